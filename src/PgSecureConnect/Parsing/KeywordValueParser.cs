using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// Parses libpq keyword/value strings (<c>host=db1 port=5432 dbname='my db'</c>) exactly as libpq's
/// <c>conninfo_parse</c> does: whitespace-separated <c>keyword = value</c> pairs, single-quoted values, backslash
/// escapes. See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-KEYWORD-VALUE.
/// </summary>
internal static class KeywordValueParser
{
    public static ConnectionParameters Parse(string text, string key, SettingSource? origin, ProblemList problems)
    {
        var parameters = new ConnectionParameters();
        var location = origin?.ToString() ?? (key == "url" ? null : key);
        var p = 0;
        var afterSecret = false;
        while (p < text.Length)
        {
            if (IsSpace(text[p]))
            {
                p++;
                continue;
            }

            var nameStart = p;
            while (p < text.Length && text[p] != '=' && !IsSpace(text[p]))
            {
                p++;
            }

            var name = text[nameStart..p];
            while (p < text.Length && IsSpace(text[p]))
            {
                p++;
            }

            if (p >= text.Length || text[p] != '=')
            {
                problems.Add(key, origin, afterSecret
                    ? "a word after the password has no '=' after it; if the password contains spaces, quote it: password='two words'"
                    : $"the word at position {nameStart + 1} has no '=' after it; write keyword=value pairs separated by spaces, and quote values that contain spaces: dbname='my db'");
                return parameters;
            }

            p++;
            while (p < text.Length && IsSpace(text[p]))
            {
                p++;
            }

            var value = new System.Text.StringBuilder();
            if (p < text.Length && text[p] == '\'')
            {
                p++;
                var closed = false;
                while (p < text.Length)
                {
                    if (text[p] == '\\')
                    {
                        p++;
                        if (p < text.Length)
                        {
                            value.Append(text[p++]);
                        }

                        continue;
                    }

                    if (text[p] == '\'')
                    {
                        p++;
                        closed = true;
                        break;
                    }

                    value.Append(text[p++]);
                }

                if (!closed)
                {
                    problems.Add(name.Length > 0 && !afterSecret ? name : key, origin, "a quoted value has no closing quote (')");
                    return parameters;
                }
            }
            else
            {
                while (p < text.Length && !IsSpace(text[p]))
                {
                    if (text[p] == '\\')
                    {
                        p++;
                        if (p < text.Length)
                        {
                            value.Append(text[p++]);
                        }
                    }
                    else
                    {
                        value.Append(text[p++]);
                    }
                }
            }

            var (keyword, stored) = ConnectionParameterCatalog.TranslateLegacy(name, value.ToString());
            if (!ConnectionParameterCatalog.TryGet(keyword, out var definition))
            {
                var suggestion = ConnectionParameterCatalog.SuggestFor(keyword);
                var shown = afterSecret ? "a keyword after the password" : $"'{keyword}'";
                problems.Add(afterSecret ? key : keyword.Length == 0 ? key : keyword, origin,
                    $"{shown} is not a PostgreSQL connection parameter" + (suggestion is null || afterSecret ? string.Empty : $"; did you mean '{suggestion}'?"));
                continue;
            }

            if (definition.IsSecret)
            {
                afterSecret = true;
            }

            parameters.Set(keyword, stored, new SettingSource(SettingSourceKind.Url, keyword, location));
        }

        return parameters;
    }

    /// <summary>Whether <paramref name="text"/> reads as a libpq keyword/value string rather than a URL.</summary>
    public static bool LooksLikeKeywordValue(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        var equals = trimmed.IndexOf('=');
        return equals > 0 && trimmed[..equals].TrimEnd().IndexOfAny(NotInKeywords) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> NotInKeywords = System.Buffers.SearchValues.Create(" \t\n\r\f\v:/@");

    // libpq uses isspace() in the C locale.
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
