using System.Globalization;
using System.Text;

namespace PgSecureConnect.Security;

/// <summary>
/// Makes text that someone else controls (a server certificate's names and issuer) safe to put in a message or a log
/// line: control characters, line breaks and bidirectional overrides are written as <c>\uXXXX</c>, and long text is cut,
/// so a certificate cannot forge log lines, recolour a terminal or reorder what a reader sees.
/// </summary>
internal static class UntrustedText
{
    /// <summary>The most characters of untrusted text shown.</summary>
    public const int MaxLength = 200;

    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxLength) + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            if (builder.Length >= MaxLength)
            {
                builder.Append('…');
                break;
            }

            if (IsSafe(rune))
            {
                builder.Append(rune.ToString());
            }
            else
            {
                builder.Append(rune.IsBmp ? $"\\u{rune.Value:X4}" : $"\\U{rune.Value:X8}");
            }
        }

        return builder.ToString();
    }

    private static bool IsSafe(Rune rune)
    {
        if (rune.Value == '\\')
        {
            // Escaped itself, so that "\u000A" in the original cannot pass for an escaped line break.
            return false;
        }

        var category = Rune.GetUnicodeCategory(rune);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned);
    }
}
