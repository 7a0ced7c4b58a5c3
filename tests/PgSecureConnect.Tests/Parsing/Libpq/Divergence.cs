using System.Text;

namespace PgSecureConnect.Tests.Parsing.Libpq;

/// <summary>
/// The deliberate, documented ways PgSecureConnect's parse differs from libpq 15's <c>PQconninfoParse</c>.
/// Anything else that differs is a bug.
/// </summary>
[Flags]
public enum Divergence
{
    None = 0,

    /// <summary>(a) A keyword libpq 15 does not know (newer libpq, or our extension): libpq 15 rejects it, we accept it.</summary>
    NewerKeyword = 1,

    /// <summary>(b) More than one '@' in the authority: libpq cuts the user name or password at the first one and reads the rest as host.</summary>
    AtInAuthority = 2,

    /// <summary>
    /// (b) A '/' in the password: libpq sees no user information, reads the user name as host, the password as port and
    /// the rest as database name. We refuse every URL with an '@' in its database part and no user information (even
    /// "app:2024/Spring@db", where the password's head looks like a port).
    /// </summary>
    SlashInPassword = 4,

    /// <summary>(b) A query string ('?' in the user part, or '?...=' anywhere) before the first '@': libpq reads it as user name and password.</summary>
    QuestionMarkInUser = 8,

    /// <summary>(c) Percent-decoded bytes that are not UTF-8: libpq passes the bytes through, we reject them.</summary>
    InvalidUtf8 = 16,

    /// <summary>(d) An empty or blank string: libpq reads it as "no settings", we report it as empty (it is almost always an unset variable).</summary>
    Blank = 32,
}

/// <summary>
/// Decides from the raw text of a URL which of the (b) and (c) divergences apply, by scanning it the way libpq's
/// <c>conninfo_uri_parse_options</c> does. (a) is not detected here: inputs with newer keywords carry a libpq 15
/// equivalent instead (see <see cref="NewerKeywords"/>).
/// </summary>
internal static class DivergenceClassifier
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Divergence ClassifyUrl(string input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return Divergence.Blank;
        }

        var prefix = input.StartsWith("postgresql://", StringComparison.Ordinal) ? "postgresql://".Length
            : input.StartsWith("postgres://", StringComparison.Ordinal) ? "postgres://".Length
            : 0;
        if (prefix == 0)
        {
            return Divergence.None;
        }

        var kinds = DecodesToInvalidUtf8(input) ? Divergence.InvalidUtf8 : Divergence.None;

        // libpq: look ahead for '@' before the first '/'.
        var look = prefix;
        while (look < input.Length && input[look] is not ('@' or '/'))
        {
            look++;
        }

        var p = prefix;
        var hadUserInfo = false;
        if (look < input.Length && input[look] == '@')
        {
            hadUserInfo = true;
            var colon = input.IndexOf(':', prefix, look - prefix);
            var question = input.IndexOf('?', prefix, look - prefix);
            if (question >= 0 && (question < (colon >= 0 ? colon : look) || input.IndexOf('=', question, look - question) >= 0))
            {
                kinds |= Divergence.QuestionMarkInUser;
            }

            p = look + 1;
        }

        var hostStart = p;
        var ports = new List<string>();
        char terminator;
        while (true)
        {
            if (p < input.Length && input[p] == '[')
            {
                while (p < input.Length && input[p] != ']')
                {
                    p++;
                }

                if (p >= input.Length)
                {
                    return kinds; // libpq fails: no closing ']'
                }

                p++;
            }
            else
            {
                while (p < input.Length && input[p] is not (':' or '/' or '?' or ','))
                {
                    p++;
                }
            }

            terminator = p < input.Length ? input[p] : '\0';
            if (terminator == ':')
            {
                var portStart = ++p;
                while (p < input.Length && input[p] is not ('/' or '?' or ','))
                {
                    p++;
                }

                ports.Add(input[portStart..p]);
                terminator = p < input.Length ? input[p] : '\0';
            }

            if (terminator != ',')
            {
                break;
            }

            p++;
        }

        if (hadUserInfo && input.AsSpan(hostStart, p - hostStart).Contains('@'))
        {
            kinds |= Divergence.AtInAuthority;
        }

        if (terminator == '/' && !hadUserInfo)
        {
            var databaseStart = p + 1;
            var query = input.IndexOf('?', databaseStart);
            var database = input[databaseStart..(query < 0 ? input.Length : query)];
            if (database.Contains('@', StringComparison.Ordinal))
            {
                kinds |= Divergence.SlashInPassword;
            }
        }

        return kinds;
    }

    /// <summary>
    /// Whether percent-decoding the URL yields bytes that are not UTF-8. Decoding the whole URL at once is equivalent to
    /// decoding each component: components are separated by ASCII characters, which never complete a UTF-8 sequence.
    /// </summary>
    public static bool DecodesToInvalidUtf8(string input)
    {
        var bytes = new List<byte>(input.Length);
        var raw = Encoding.UTF8.GetBytes(input);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '%' && i + 2 < raw.Length && Uri.IsHexDigit((char)raw[i + 1]) && Uri.IsHexDigit((char)raw[i + 2]))
            {
                bytes.Add(Convert.ToByte(Encoding.ASCII.GetString(raw, i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        try
        {
            StrictUtf8.GetString(bytes.ToArray());
            return false;
        }
        catch (DecoderFallbackException)
        {
            return true;
        }
    }

    /// <summary>Whether <paramref name="problem"/> is the documented report of one of <paramref name="kinds"/>.</summary>
    public static bool ExplainedByAny(Divergence kinds, ConfigurationProblem problem)
        => Enum.GetValues<Divergence>().Any(k => k != Divergence.None && kinds.HasFlag(k) && Explains(k, problem));

    /// <summary>Whether <paramref name="problem"/> is the documented report of <paramref name="kind"/>.</summary>
    public static bool Explains(Divergence kind, ConfigurationProblem problem) => kind switch
    {
        Divergence.AtInAuthority => problem.Message.Contains("more than one '@'", StringComparison.Ordinal),
        Divergence.SlashInPassword => problem.Message.Contains("'@' after its first '/'", StringComparison.Ordinal),
        Divergence.QuestionMarkInUser => problem.Message.Contains("query string ('?...=') before its '@'", StringComparison.Ordinal),
        Divergence.Blank => problem.Message.StartsWith("is empty", StringComparison.Ordinal),
        Divergence.InvalidUtf8 => problem.Message.Contains("not valid UTF-8", StringComparison.Ordinal),
        _ => false,
    };
}

/// <summary>
/// Keywords that libpq 15 rejects but PgSecureConnect accepts: newer libpq keywords (with the libpq version that
/// introduced them) and PgSecureConnect's extensions (never in libpq).
/// </summary>
internal static class NewerKeywords
{
    public const int Never = int.MaxValue;

    public static readonly IReadOnlyDictionary<string, int> IntroducedIn = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["require_auth"] = 160000,
        ["sslcertmode"] = 160000,
        ["load_balance_hosts"] = 160000,
        ["gssdelegation"] = 160000,
        ["sslnegotiation"] = 170000,
        ["sslkeylogfile"] = 180000,
        ["min_protocol_version"] = 180000,
        ["max_protocol_version"] = 180000,
        ["scram_client_key"] = 180000,
        ["scram_server_key"] = 180000,
        ["oauth_issuer"] = 180000,
        ["oauth_client_id"] = 180000,
        ["oauth_client_secret"] = 180000,
        ["oauth_scope"] = 180000,
        ["pgbouncer"] = Never,
        ["connection_limit"] = Never,
        ["pool_timeout"] = Never,
        ["schema"] = Never,
        ["pool_min_conns"] = Never,
        ["pool_max_conns"] = Never,
        ["pool_max_conn_lifetime"] = Never,
        ["pool_max_conn_idle_time"] = Never,
    };

    /// <summary>
    /// In random inputs a newer keyword is replaced, in the text given to libpq 15, by a libpq 15 keyword the generators
    /// never use otherwise; the libpq result is then renamed back. So libpq still checks everything around it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> StandIns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["require_auth"] = "requirepeer",
        ["load_balance_hosts"] = "gsslib",
        ["pgbouncer"] = "sslcrldir",
    };

    /// <summary>
    /// Renames stand-in keywords back, in keys and in values (a keyword can end up inside a value, as in
    /// <c>user= pgbouncer=x</c>, where libpq reads the value <c>pgbouncer=x</c> for <c>user</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> RenameBack(IReadOnlyDictionary<string, string> libpqValues)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyword, value) in libpqValues)
        {
            var original = StandIns.FirstOrDefault(s => s.Value == keyword).Key;
            var text = value;
            foreach (var (newer, standIn) in StandIns)
            {
                text = text.Replace(standIn, newer, StringComparison.Ordinal);
            }

            renamed[original ?? keyword] = text;
        }

        return renamed;
    }
}
