using System.Globalization;
using System.Text;

namespace PgSecureConnect.Parsing;

/// <summary>
/// The libpq password file (<c>~/.pgpass</c>, <c>passfile</c>, <c>PGPASSFILE</c>;
/// https://www.postgresql.org/docs/current/libpq-pgpass.html): lines <c>hostname:port:database:username:password</c>,
/// <c>*</c> matching anything, <c>\</c> escaping <c>:</c> and <c>\</c>, <c>#</c> starting a comment line; the first
/// matching line wins, and <c>localhost</c> also matches Unix-domain socket connections.
/// </summary>
internal static class PgPassFile
{
    /// <summary>The password of the first line of <paramref name="text"/> that matches, or <see langword="null"/>.</summary>
    public static string? FindPassword(string text, string host, int port, string? database, string username)
    {
        var hostToMatch = host.StartsWith('/') ? "localhost" : host;
        var portText = port.ToString(CultureInfo.InvariantCulture);
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = Split(line);
            if (fields.Count < 5)
            {
                continue;
            }

            if (Matches(fields[0], hostToMatch) && Matches(fields[1], portText) && Matches(fields[2], database ?? username) && Matches(fields[3], username))
            {
                // libpq: the password is the rest of the line, so an unescaped ':' in it is kept.
                return fields.Count == 5 ? fields[4] : string.Join(':', fields.Skip(4));
            }
        }

        return null;
    }

    private static bool Matches(string pattern, string value) => pattern == "*" || pattern == value;

    private static List<string> Split(string line)
    {
        var fields = new List<string>(5);
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (c == ':' && fields.Count < 4)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
