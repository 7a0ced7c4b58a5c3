namespace PgSecureConnect.Fuzz;

/// <summary>
/// A corpus kept as one text file, one input per line in base64 (lines starting with '#' are comments): the minimized
/// corpus of past fuzzing runs is committed this way, replayed by the unit tests, and unpacked as seeds by
/// <c>tools/fuzz.sh</c>.
/// </summary>
internal static class CorpusFile
{
    public static IEnumerable<byte[]> Read(string path)
        => File.ReadLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(Convert.FromBase64String);

    public static int Write(string path, string header, IEnumerable<byte[]> inputs)
    {
        var lines = inputs.Select(Convert.ToBase64String).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        File.WriteAllLines(path, [.. header.Split('\n').Select(h => "# " + h), .. lines]);
        return lines.Count;
    }
}
