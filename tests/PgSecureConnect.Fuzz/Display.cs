using System.Globalization;
using System.Text;

namespace PgSecureConnect.Fuzz;

/// <summary>Strings shown as C# literals, so a finding can be pasted into a regression test as it is printed.</summary>
internal static class Display
{
    public static string Literal(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when c < ' ' || c > '~' => builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }
}
