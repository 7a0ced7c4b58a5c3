using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Parsing;

/// <summary>libpq's lexical rules for single values: integers, booleans, text PostgreSQL can carry, host names.</summary>
internal static partial class LibpqSyntax
{
    /// <summary>
    /// Whether a value holds a password assignment (<c>password=</c>, <c>sslpassword=</c>, Npgsql's <c>pwd=</c> and <c>psw=</c>) at a
    /// word boundary: the sign of a quoting or encoding mistake that made another parameter swallow a password
    /// (libpq reads <c>dbname= password=x</c> as the database name <c>password=x</c>).
    /// </summary>
    public static bool HoldsPasswordAssignment(string value)
        => value.Contains('=', StringComparison.Ordinal) && PasswordAssignment().IsMatch(value);

    public static bool IsWellFormedText(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>libpq's <c>parse_int_param</c>: optional surrounding whitespace, optional sign, decimal digits.</summary>
    public static bool TryParseLibpqInt(string text, out int value)
        => int.TryParse(text.AsSpan().Trim(" \t\n\v\f\r"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool IsLibpqFalse(string value) => TryParseLibpqInt(value, out var number) && number == 0;

    public static bool IsValidHost(string host, out string error)
    {
        if (host.StartsWith('/'))
        {
            error = string.Empty;
            if (host.AsSpan().IndexOfAny('\0', '\n', '\r') >= 0)
            {
                error = "is not a valid socket directory";
                return false;
            }

            return true;
        }

        if (host.StartsWith('@'))
        {
            error = "is an abstract Unix socket, which Npgsql does not support; use a socket directory such as /var/run/postgresql";
            return false;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            error = "is not a valid IPv6 address (in a URL, write IPv6 addresses in brackets: postgresql://[::1]:5432/db)";
            return IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        foreach (var c in host)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '/' or '?' or '#' or '[' or ']' or '%' or '\\' or '\'' or '"' or ';' or '=' or '&')
            {
                error = c == '@'
                    ? "is not a valid host name; if the password or user name contains '@', percent-encode it as %40"
                    : "is not a valid host name, IP address or absolute socket directory";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    [GeneratedRegex(@"(?<![\p{L}\p{N}_])(?:ssl)?(?:password|pwd|psw)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordAssignment();
}
