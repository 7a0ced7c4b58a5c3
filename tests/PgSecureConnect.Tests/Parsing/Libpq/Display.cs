using System.Globalization;
using System.Text;

namespace PgSecureConnect.Tests.Parsing.Libpq;

/// <summary>Readable, unambiguous renderings of inputs and results for assertion messages.</summary>
internal static class Display
{
    /// <summary>The string as a C# literal: control characters, non-ASCII and lone surrogates escaped.</summary>
    public static string Literal(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ' or > '~':
                    builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    public static string Dictionary(IReadOnlyDictionary<string, string> values)
        => "{" + string.Join(", ", values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Literal(p.Value)}")) + "}";
}
