using System.Text;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Percent-decoding as libpq's <c>conninfo_uri_decode</c> does it: <c>%XX</c> with two hex digits, <c>+</c> stays a
/// plus, <c>%00</c> is forbidden. The decoded bytes must be UTF-8 (libpq passes bytes through; .NET strings cannot).
/// </summary>
internal static class PercentDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="raw"/>; on failure returns a message that does not echo the input.</summary>
    public static bool TryDecode(string raw, out string decoded, out string? error)
    {
        if (raw.IndexOf('%', StringComparison.Ordinal) < 0)
        {
            decoded = raw;
            error = null;
            return true;
        }

        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(raw);
        }
        catch (EncoderFallbackException)
        {
            // Encoding.UTF8 would send U+FFFD instead, a value other than the one given.
            decoded = string.Empty;
            error = "contains an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL";
            return false;
        }

        var output = new byte[bytes.Length];
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'%')
            {
                output[length++] = bytes[i];
                continue;
            }

            if (i + 2 >= bytes.Length || !IsHex(bytes[i + 1]) || !IsHex(bytes[i + 2]))
            {
                decoded = string.Empty;
                error = "contains a '%' that is not followed by two hex digits (write a literal '%' as %25)";
                return false;
            }

            var value = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
            if (value == 0)
            {
                decoded = string.Empty;
                error = "contains %00, which PostgreSQL forbids in connection parameters";
                return false;
            }

            output[length++] = value;
            i += 2;
        }

        try
        {
            decoded = StrictUtf8.GetString(output, 0, length);
            error = null;
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = string.Empty;
            error = "decodes to bytes that are not valid UTF-8 (percent-encode the UTF-8 bytes of each character)";
            return false;
        }
    }

    /// <summary>Percent-encodes everything except RFC 3986 unreserved characters.</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    private static int HexValue(byte b) => b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
