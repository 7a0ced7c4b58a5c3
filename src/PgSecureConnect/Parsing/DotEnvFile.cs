using System.Text.RegularExpressions;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads a <c>.env</c> file with DotNetEnv without writing anything into the process environment (DotNetEnv's
/// default does both that and overwriting real variables; both are turned off). Malformed lines, conflicting
/// duplicates and <c>$</c> references that would silently change a secret are reported as problems.
/// </summary>
internal static partial class DotEnvFile
{
    /// <summary>Reads <paramref name="path"/>; returns <see langword="null"/> when the file does not exist.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? Read(string path, Func<string, bool> isDefinedOutside, ProblemList problems)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        List<KeyValuePair<string, string>> pairs;
        string text;
        try
        {
            text = File.ReadAllText(path);
            pairs = DotNetEnv.Env.NoEnvVars().NoClobber().Load(path).ToList();
        }
        catch (Sprache.ParseException e)
        {
            // DotNetEnv's message quotes the text it consumed, which may be a password: report only the position.
            var position = e.Position is { } p ? $"line {p.Line}, column {p.Column}" : "somewhere";
            problems.Add(".env", new SettingSource(SettingSourceKind.DotEnvFile, ".env", path),
                $"{path} cannot be parsed at {position}; every line must be KEY=value, a comment starting with #, or empty (quote values with spaces or #: KEY=\"a b\")");
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(".env", new SettingSource(SettingSourceKind.DotEnvFile, ".env", path), $"{path} exists but cannot be read ({e.GetType().Name}); check its permissions");
            return [];
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            if (seen.TryGetValue(key, out var earlier) && earlier != value && IsConnectionVariable(key))
            {
                problems.Add(key, new SettingSource(SettingSourceKind.DotEnvFile, key, path), $"{key} is defined more than once in {path} with different values; keep one line");
            }

            seen[key] = value;
        }

        CheckUnresolvedReferences(text, path, name => seen.ContainsKey(name) || isDefinedOutside(name), problems);
        return pairs;
    }

    private static bool IsConnectionVariable(string key)
        => key.Contains("DATABASE_URL", StringComparison.Ordinal) || key.Contains("DB_", StringComparison.Ordinal) || key.StartsWith("PG", StringComparison.Ordinal);

    /// <summary>
    /// dotenv expands <c>$NAME</c> and <c>${NAME}</c> outside single quotes. A password such as <c>pa$word</c> would
    /// silently become <c>pa</c>; when a referenced name is defined nowhere, say so instead.
    /// </summary>
    private static void CheckUnresolvedReferences(string text, string path, Func<string, bool> isDefined, ProblemList problems)
    {
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var match = AssignmentPattern().Match(line);
            if (!match.Success || !IsConnectionVariable(match.Groups["key"].Value))
            {
                continue;
            }

            var value = match.Groups["value"].Value.Trim();
            if (value.StartsWith('\''))
            {
                continue;
            }

            foreach (Match reference in ReferencePattern().Matches(value))
            {
                var name = reference.Groups["braced"].Success ? reference.Groups["braced"].Value : reference.Groups["bare"].Value;
                if (!isDefined(name))
                {
                    var key = match.Groups["key"].Value;
                    problems.Add(key, new SettingSource(SettingSourceKind.DotEnvFile, key, path),
                        $"line {lineNumber} of {path} contains a '$' that .env files expand as a variable reference, but no variable of that name is defined, so part of the value would silently disappear; " +
                        $"if the '$' is part of the value (a password, say), wrap the whole value in single quotes: {key}='...'");
                    break;
                }
            }
        }
    }

    [GeneratedRegex(@"^\s*(export\s+)?(?<key>[A-Za-z_][A-Za-z0-9_.]*)\s*=(?<value>.*)$")]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"\$(\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))")]
    private static partial Regex ReferencePattern();
}
