using System.Text;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Fuzz;

/// <summary>One way of reading settings: a description for reports and the call itself.</summary>
/// <param name="Description">What was read, as a C# expression.</param>
/// <param name="Read">Reads the settings.</param>
/// <param name="PlantedSentinel">Whether the sentinel password was put in a password position of the text.</param>
/// <param name="Text">Everything that was read (for variables, names and values), sentinel included.</param>
internal sealed record Reading(string Description, Func<ConnectionSettings> Read, bool PlantedSentinel, string Text);

/// <summary>
/// For each entry point, the readings one input gets: the text as it is, and the text with the sentinel password
/// planted where a user would put a password, before and after the text (an unencoded password next to broken text is
/// exactly how secrets leak into error messages).
/// </summary>
internal sealed class Readers : IDisposable
{
    /// <summary>UTF-8 that writes an unpaired surrogate as U+FFFD, as any editor would have to.</summary>
    private static readonly UTF8Encoding FileEncoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-fuzz-").FullName;
    private readonly string _envFile;

    public Readers() => _envFile = Path.Combine(_directory, ".env");

    public IEnumerable<Reading> For(FuzzInput input)
    {
        var (text, s) = (input.Text, input.Sentinel);
        switch (input.EntryPoint)
        {
            case EntryPoint.Url:
                yield return FromUrl(text, planted: false);
                yield return FromUrl("postgresql://app:" + s + "@" + text, planted: true);
                yield return FromUrl(text + (text.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "password=" + s, planted: true);
                break;
            case EntryPoint.KeywordValue:
                yield return FromUrl(text, planted: false);
                yield return FromUrl("password=" + s + " " + text, planted: true);
                yield return FromUrl(text + " password=" + s, planted: true);
                break;
            case EntryPoint.Npgsql:
                yield return FromUrl(text, planted: false);
                yield return FromUrl("Password=" + s + ";" + text, planted: true);
                yield return FromUrl(text + ";Password=" + s, planted: true);
                break;
            case EntryPoint.DotEnv:
                yield return FromDotEnv(text, planted: false);
                yield return FromDotEnv("DB_PASSWORD=" + s + "\n" + text, planted: true);
                yield return FromDotEnv(text + "\nDB_PASSWORD=" + s, planted: true);
                yield return FromDotEnv("DATABASE_URL=postgresql://app:" + s + "@" + text, planted: true);
                break;
            case EntryPoint.Variables:
                var variables = Variables(text);
                yield return FromVariables(variables, planted: false);
                yield return FromVariables(new Dictionary<string, string?>(variables) { ["DB_PASSWORD"] = s }, planted: true);
                if (variables.TryGetValue("DATABASE_URL", out var url) && url is not null)
                {
                    yield return FromVariables(new Dictionary<string, string?>(variables) { ["DATABASE_URL"] = "postgresql://app:" + s + "@" + url }, planted: true);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(input), input.EntryPoint, "unknown entry point");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Reading FromUrl(string text, bool planted)
        => new($"ConnectionSettings.FromUrl({Display.Literal(text)})", () => ConnectionSettings.FromUrl(text), planted, text);

    private static Reading FromVariables(Dictionary<string, string?> variables, bool planted)
        => new("ConnectionSettings.FromVariables(new() { " + string.Join(", ", variables.Select(v => $"[{Display.Literal(v.Key)}] = {Display.Literal(v.Value)}")) + " })",
            () => ConnectionSettings.FromVariables(variables), planted, string.Join("\n", variables.Select(v => $"{v.Key}={v.Value}")));

    /// <summary>The .env text as a file, read the way <c>FromEnvironment</c> reads it, under an empty environment.</summary>
    private Reading FromDotEnv(string text, bool planted)
        => new($".env {Display.Literal(text)}", () =>
        {
            File.WriteAllText(_envFile, text, FileEncoding);
            var options = new ConnectionFactoryOptions { EnvFilePath = _envFile };
            return SettingsSources.FromEnvironment(options, new Dictionary<string, string?>(), _directory).Settings;
        }, planted, text);

    /// <summary>
    /// One variable per line (<c>NAME=value</c>; a line without '=' is a variable set to null). Secret-file variables
    /// point nowhere: the harness reads text, not the machine's files.
    /// </summary>
    private static Dictionary<string, string?> Variables(string text)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (line, null) : (line[..equals], line[(equals + 1)..]);
            if (name.EndsWith("_FILE", StringComparison.OrdinalIgnoreCase) || name.Contains("PASSFILE", StringComparison.OrdinalIgnoreCase))
            {
                value = "/nonexistent/pgsecure-fuzz";
            }

            variables[name] = value;
        }

        return variables;
    }
}
