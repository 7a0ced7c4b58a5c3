// Fuzzing harness for PgSecureConnect's string entry points (tools/fuzz.sh runs it). Modes:
//   (no arguments)        run under libFuzzer, started by tools/fuzz/libfuzzer-bridge.c
//   replay PATH...        check files, directories (recursively) and corpus files (*.txt) without libFuzzer; exit 1 on a finding
//   seeds DIR             write the seed corpus into DIR
//   pack DIR FILE         write every input of DIR into the corpus file FILE (one base64 line each)
//   unpack FILE DIR       write every input of the corpus file FILE into DIR
//   show FILE             print what an input decodes to (to turn a finding into a regression test)
using PgSecureConnect.Fuzz;

using var readers = new Readers();

switch (args.FirstOrDefault())
{
    case null:
        SharpFuzz.Fuzzer.LibFuzzer.Run(data => CheckAll(data));
        return 0;
    case "replay":
        return Replay(args.Skip(1));
    case "seeds" when args.Length == 2:
        Console.WriteLine($"seeds: {WriteAll(Seeds.All(), args[1])} files in {args[1]}");
        return 0;
    case "pack" when args.Length == 3:
        var packed = CorpusFile.Write(args[2], "PgSecureConnect fuzz corpus (tools/fuzz.sh): one input per line, base64; byte 0 entry point, byte 1 sentinel, then the text",
            Directory.EnumerateFiles(args[1]).Select(File.ReadAllBytes));
        Console.WriteLine($"pack: {packed} inputs in {args[2]}");
        return 0;
    case "unpack" when args.Length == 3:
        Console.WriteLine($"unpack: {WriteAll(CorpusFile.Read(args[1]), args[2])} files in {args[2]}");
        return 0;
    case "show" when args.Length == 2:
        Console.WriteLine(FuzzInput.Decode(File.ReadAllBytes(args[1])));
        return 0;
    default:
        Console.Error.WriteLine("usage: PgSecureConnect.Fuzz [replay PATH... | seeds DIR | pack DIR FILE | unpack FILE DIR | show FILE]");
        return 2;
}

void CheckAll(ReadOnlySpan<byte> data)
{
    var input = FuzzInput.Decode(data);
    foreach (var reading in readers.For(input))
    {
        Properties.Check(reading, input);
    }
}

int Replay(IEnumerable<string> paths)
{
    var inputs = new List<(string Name, byte[] Data)>();
    foreach (var path in paths)
    {
        if (Directory.Exists(path))
        {
            inputs.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f))));
        }
        else if (path.EndsWith(".txt", StringComparison.Ordinal))
        {
            inputs.AddRange(CorpusFile.Read(path).Select((data, i) => ($"{path} #{i + 1}", data)));
        }
        else
        {
            inputs.Add((path, File.ReadAllBytes(path)));
        }
    }

    var findings = 0;
    foreach (var (name, data) in inputs)
    {
        try
        {
            CheckAll(data);
        }
        catch (PropertyViolationException e)
        {
            findings++;
            Console.WriteLine($"FINDING {name}: {FuzzInput.Decode(data)}\n  {e.Message}");
        }
    }

    Console.WriteLine($"replay: {inputs.Count} inputs, {findings} findings");
    return findings == 0 && inputs.Count > 0 ? 0 : 1;
}

static int WriteAll(IEnumerable<byte[]> inputs, string directory)
{
    Directory.CreateDirectory(directory);
    var count = 0;
    foreach (var input in inputs)
    {
        File.WriteAllBytes(Path.Combine(directory, $"input-{count++:D5}"), input);
    }

    return count;
}
