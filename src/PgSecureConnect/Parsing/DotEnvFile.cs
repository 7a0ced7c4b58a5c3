using System.Text;
using System.Text.RegularExpressions;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads a <c>.env</c> file with DotNetEnv without writing anything into the process environment (DotNetEnv's
/// default does both that and overwriting real variables; both are turned off). Malformed lines, conflicting
/// duplicates and <c>$</c> references that would silently change a secret are reported as problems.
/// </summary>
/// <remarks>
/// References (<c>$NAME</c>, <c>${NAME}</c>, unquoted or in double quotes; single quotes are literal) are resolved
/// here, not by DotNetEnv, which looks them up in the real process environment only: with nothing written there, a
/// reference to a key of the same file (<c>DB_SSLROOTCERT=${CA}</c>) would silently become empty and drop a security
/// setting. As in the rest of the library, a variable of the environment wins over a key of the file; otherwise the
/// file's earlier keys count, as python-dotenv and Docker Compose resolve them.
/// </remarks>
internal static partial class DotEnvFile
{
    /// <summary>Reads <paramref name="path"/>; returns <see langword="null"/> when the file does not exist.</summary>
    /// <param name="path">The file.</param>
    /// <param name="lookupOutside">The value of a variable in the environment, or <see langword="null"/>.</param>
    /// <param name="problems">Collects problems.</param>
    public static IReadOnlyList<KeyValuePair<string, string>>? Read(string path, Func<string, string?> lookupOutside, ProblemList problems)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        List<KeyValuePair<string, string>> pairs;
        var references = new ReferenceRewriter();
        try
        {
            var text = File.ReadAllText(path);
            pairs = DotNetEnv.Env.LoadContents(references.Rewrite(text), DotNetEnv.Env.NoEnvVars().NoClobber()).ToList();
        }
        catch (Sprache.ParseException e)
        {
            // DotNetEnv's message quotes the text it consumed, which may be a password: report only the position.
            var position = e.Position is { } p ? $"line {p.Line}, column {p.Column}" : "somewhere";
            problems.Add(".env", new SettingSource(SettingSourceKind.DotEnvFile, ".env", path),
                $"{path} cannot be parsed at {position}; every line must be KEY=value, a comment starting with #, or empty (quote values with spaces or #: KEY=\"a b\")");
            return [];
        }
        catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
        {
            // DotNetEnv decodes escapes of double-quoted values itself and throws plain .NET exceptions on some
            // ("\777" overflows a byte; found by fuzzing). Its message is generic, but nothing of the text is shown.
            problems.Add(".env", new SettingSource(SettingSourceKind.DotEnvFile, ".env", path),
                $"{path} cannot be parsed: a double-quoted value holds an escape sequence that cannot be decoded (an octal \\NNN above \\377, say); " +
                "write literal text in single quotes (KEY='a\\b') or escape the backslash (\\\\)");
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(".env", new SettingSource(SettingSourceKind.DotEnvFile, ".env", path), $"{path} exists but cannot be read ({e.GetType().Name}); check its permissions");
            return [];
        }

        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, string>>(pairs.Count);
        foreach (var (key, raw) in pairs)
        {
            var value = references.Resolve(raw, name => lookupOutside(name) ?? resolved.GetValueOrDefault(name), out var undefinedLine);
            if (undefinedLine is { } line && IsConnectionVariable(key))
            {
                problems.Add(key, new SettingSource(SettingSourceKind.DotEnvFile, key, path),
                    $"line {line} of {path} contains a '$' that .env files expand as a variable reference, but no variable of that name is defined in the environment or earlier in the file, so part of the value would silently disappear; " +
                    $"if the '$' is part of the value (a password, say), wrap the whole value in single quotes: {key}='...'");
            }

            if (resolved.TryGetValue(key, out var earlier) && earlier != value && IsConnectionVariable(key))
            {
                problems.Add(key, new SettingSource(SettingSourceKind.DotEnvFile, key, path), $"{key} is defined more than once in {path} with different values; keep one line");
            }

            resolved[key] = value;
            result.Add(new(key, value));
        }

        return result;
    }

    private static bool IsConnectionVariable(string key)
        => key.Contains("DATABASE_URL", StringComparison.Ordinal) || key.Contains("DB_", StringComparison.Ordinal) || key.StartsWith("PG", StringComparison.Ordinal);

    /// <summary>
    /// Replaces each reference in an expanding context with a placeholder DotNetEnv keeps as it is, so that DotNetEnv
    /// still decides quoting, escapes and comments, and the references are resolved afterwards in file order.
    /// </summary>
    private sealed partial class ReferenceRewriter
    {
        private readonly string _marker = "PGSECUREREF" + Guid.NewGuid().ToString("N") + "N";
        private readonly List<(string Name, int Line)> _references = [];

        public string Rewrite(string text)
        {
            var output = new StringBuilder(text.Length);
            var i = 0;
            while (i < text.Length)
            {
                var lineEnd = text.IndexOf('\n', i);
                lineEnd = lineEnd < 0 ? text.Length : lineEnd + 1;
                var assignment = AssignmentPattern().Match(text, i, lineEnd - i);
                if (!assignment.Success)
                {
                    output.Append(text, i, lineEnd - i);
                    i = lineEnd;
                    continue;
                }

                var valueStart = assignment.Groups["value"].Index;
                output.Append(text, i, valueStart - i);
                i = valueStart;
                if (i < text.Length && text[i] == '\'')
                {
                    // Literal, possibly over several lines.
                    var close = text.IndexOf('\'', i + 1);
                    var end = close < 0 ? text.Length : close + 1;
                    output.Append(text, i, end - i);
                    i = end;
                }
                else if (i < text.Length && text[i] == '"')
                {
                    output.Append('"');
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length)
                        {
                            output.Append(text, i, 2);
                            i += 2;
                        }
                        else
                        {
                            i = AppendCharacterOrReference(text, i, output);
                        }
                    }
                }
                else
                {
                    var end = text.IndexOf('\n', i) is var newline and >= 0 ? newline : text.Length;
                    while (i < end)
                    {
                        if (text[i] == '#' && i > valueStart && char.IsWhiteSpace(text[i - 1]))
                        {
                            // The rest is a comment.
                            output.Append(text, i, end - i);
                            i = end;
                            break;
                        }

                        i = AppendCharacterOrReference(text, i, output);
                    }
                }

                // The rest of the line after a closing quote (spaces, a comment).
                var rest = text.IndexOf('\n', Math.Min(i, text.Length)) is var next and >= 0 ? next + 1 : text.Length;
                if (rest > i)
                {
                    output.Append(text, i, rest - i);
                }

                i = Math.Max(i, rest);
            }

            return output.ToString();
        }

        /// <summary>Substitutes the references in <paramref name="value"/>; <paramref name="undefinedLine"/> is the line of the first one defined nowhere.</summary>
        public string Resolve(string value, Func<string, string?> lookup, out int? undefinedLine)
        {
            undefinedLine = null;
            if (!value.Contains(_marker, StringComparison.Ordinal))
            {
                return value;
            }

            var builder = new StringBuilder(value.Length);
            var position = 0;
            while (value.IndexOf(_marker, position, StringComparison.Ordinal) is var start and >= 0)
            {
                builder.Append(value, position, start - position);
                var digitsStart = start + _marker.Length;
                var digitsEnd = value.IndexOf('N', digitsStart);
                var index = int.Parse(value.AsSpan(digitsStart, digitsEnd - digitsStart), System.Globalization.CultureInfo.InvariantCulture);
                var (name, line) = _references[index];
                var found = lookup(name);
                if (found is null)
                {
                    undefinedLine ??= line;
                }

                builder.Append(found);
                position = digitsEnd + 1;
            }

            builder.Append(value, position, value.Length - position);
            return builder.ToString();
        }

        private int AppendCharacterOrReference(string text, int i, StringBuilder output)
        {
            var reference = text[i] == '$' ? ReferencePattern().Match(text, i) : Match.Empty;
            if (!reference.Success || reference.Index != i)
            {
                output.Append(text[i]);
                return i + 1;
            }

            var name = reference.Groups["braced"].Success ? reference.Groups["braced"].Value : reference.Groups["bare"].Value;
            output.Append(_marker).Append(_references.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('N');
            _references.Add((name, LineOf(text, i)));
            return i + reference.Length;
        }

        private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

        [GeneratedRegex(@"\G[ \t]*(export[ \t]+)?[A-Za-z_][A-Za-z0-9_.]*[ \t]*=[ \t]*(?<value>)")]
        private static partial Regex AssignmentPattern();

        [GeneratedRegex(@"\G\$(\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))")]
        private static partial Regex ReferencePattern();
    }
}
