using System.Text;

namespace PgSecureConnect.Tests.Parsing.Libpq;

/// <summary>
/// Random URLs and keyword/value strings from a small grammar of the pieces that matter to libpq's parser, with a
/// fixed seed so every run tests the same inputs. Each input comes with the text to give libpq 15: the same, except that
/// keywords libpq 15 does not know are replaced by stand-ins (<see cref="NewerKeywords.StandIns"/>).
/// </summary>
/// <remarks>
/// Inputs never start or end with whitespace: that divergence (we trim, libpq does not) is pinned by rows of
/// <see cref="DifferentialCorpus.Agreeing"/>, and letting it into random inputs would only repeat it. No input contains ';'.
/// </remarks>
internal static class RandomConnectionStrings
{
    private static readonly string[] OddSchemes = ["POSTGRESQL://", "postgresql:/", "postgresql:", "Postgres://", "jdbc:postgresql://"];

    private static readonly string[] Users = ["app", "u", "", "u%40x", "us%3Aer", "a+b", "%E2%82%AC", "\u00FCser", "a b", "x%zz", "%0", "%00", "%C3", "%FF", "u?x", "u#x", "u&x=y"];

    private static readonly string[] Passwords =
        ["secret", "p", "", "p%40ss", "p%2Fss", "p%3Ass", "p:ss", "p#ss", "p?ss", "p@ss", "p/ss", "%25", "%", "%zz", "\u00E9", "p+s", "p%20s", "p ss", "p%E9", "1234", "p=q&r"];

    private static readonly string[] Hosts =
    [
        "db.example.com", "h1", "", "", "127.0.0.1", "[::1]", "[fe80::1%25eth0]", "[]", "[::1", "[::1]x", "%2Fvar%2Frun%2Fpostgresql", "%2Ftmp",
        "h%2C2", "h%zz", "%", "ex%41mple", "[2001:db8::1]", "ho st", "h%00", "%C3%A9", "%C3", "b\u00FCcher.de", "h#x", "h@x", "h&x", "[a/b]",
    ];

    private static readonly string[] Ports = ["5432", "5432", "", "abc", "%35%34%33%32", "0", "65536", "-1", " 5", "5%zz", "+5", "5:6", "%FF"];

    private static readonly string[] Paths =
        ["", "", "/", "/db", "/db", "/my%20db", "/a/b", "/db%2Fx", "/%zz", "/%00", "/d@b", "/\u00E9", "/%FF", "/d+b", "/db#f", "/%C3%A9"];

    private static readonly string[] QueryKeys =
    [
        "sslmode", "application_name", "user", "password", "host", "port", "dbname", "connect_timeout", "options", "ssl", "ssl", "requiressl",
        "keepalives", "target_session_attrs", "unknown_param", "", "%73slmode", "application%5Fname", "SSLMODE", "sslmode%zz",
        "require_auth", "load_balance_hosts", "pgbouncer",
    ];

    private static readonly string[] QueryValues =
    [
        "require", "disable", "true", "true", "false", "1", "0", "", "a+b", "a%20b", "%2Ftmp", "/tmp", "x%zz", "%", "%00", "a=b", "a@b", "a/b",
        "a?b", "\u00E9", "%C3%A9", "%FF", "-c%20x%3Dy", "h1,h2", "5432", "tru%65", "a b", "a#b",
    ];

    private static readonly string[] KeywordValueKeys =
    [
        "host", "port", "dbname", "user", "password", "application_name", "sslmode", "requiressl", "options", "foo", "", "HOST", "ssl",
        "require_auth", "load_balance_hosts", "pgbouncer",
    ];

    private static readonly string[] KeywordValueValues =
    [
        "h", "5432", "db", "", "'a b'", "'it\\'s'", "a\\ b", "'unterminated", "\\", "'x\\", "a=b", "\u00E9", "%41", "'a''b'", "''", "'tab\there'",
        "a'b", "postgresql://x", "'-c search_path=x'", "1", "0",
    ];

    private static readonly string[] Spaces = [" ", " ", " ", "  ", "\t", "\n", " \r\n "];

    /// <summary>Random URLs: (input, text for libpq 15).</summary>
    public static IEnumerable<(string Input, string ForLibpq)> Urls(int seed, int count)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var produced = 0;
        while (produced < count)
        {
            var (input, forLibpq) = Url(random);
            if (input.Length == 0 || char.IsWhiteSpace(input[0]) || char.IsWhiteSpace(input[^1]) || !seen.Add(input))
            {
                continue;
            }

            produced++;
            yield return (input, forLibpq);
        }
    }

    /// <summary>Random keyword/value strings: (input, text for libpq 15).</summary>
    public static IEnumerable<(string Input, string ForLibpq)> KeywordValueStrings(int seed, int count)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var produced = 0;
        while (produced < count)
        {
            var (input, forLibpq) = KeywordValue(random);
            if (input.Trim().Length == 0 || char.IsWhiteSpace(input[0]) || char.IsWhiteSpace(input[^1]) || !seen.Add(input))
            {
                continue;
            }

            produced++;
            yield return (input, forLibpq);
        }
    }

    private static (string Input, string ForLibpq) Url(Random random)
    {
        var both = new Twin();
        both.Append(random.Next(100) switch
        {
            < 65 => "postgresql://",
            < 95 => "postgres://",
            _ => Pick(random, OddSchemes),
        });

        var userInfo = random.Next(10);
        if (userInfo >= 4)
        {
            both.Append(userInfo switch
            {
                4 => "@",
                5 => Pick(random, Users) + "@",
                6 => ":" + Pick(random, Passwords) + "@",
                _ => Pick(random, Users) + ":" + Pick(random, Passwords) + "@",
            });
        }

        var hostCount = random.Next(10) switch
        {
            < 6 => 1,
            < 8 => 2,
            < 9 => 3,
            _ => 0,
        };
        for (var i = 0; i < hostCount; i++)
        {
            if (i > 0)
            {
                both.Append(",");
            }

            both.Append(Pick(random, Hosts));
            if (random.Next(3) == 0)
            {
                both.Append(":" + Pick(random, Ports));
            }
        }

        both.Append(Pick(random, Paths));

        if (random.Next(3) > 0)
        {
            both.Append("?");
            var parameters = random.Next(5);
            for (var i = 0; i < parameters; i++)
            {
                if (i > 0)
                {
                    both.Append(random.Next(15) == 0 ? "&&" : "&");
                }

                switch (random.Next(20))
                {
                    case 0:
                        both.Append("novalue");
                        break;
                    case 1:
                        both.Append("=x");
                        break;
                    default:
                        var key = Pick(random, QueryKeys);
                        both.AppendKeyword(key);
                        both.Append("=" + Pick(random, QueryValues));
                        break;
                }
            }

            if (random.Next(8) == 0)
            {
                both.Append("&");
            }
        }

        return both.Result;
    }

    private static (string Input, string ForLibpq) KeywordValue(Random random)
    {
        var both = new Twin();
        var pairs = 1 + random.Next(4);
        for (var i = 0; i < pairs; i++)
        {
            if (i > 0)
            {
                both.Append(Pick(random, Spaces));
            }

            both.AppendKeyword(Pick(random, KeywordValueKeys));
            both.Append(random.Next(6) switch
            {
                0 => " = ",
                1 => " =",
                2 => "= ",
                _ => "=",
            });
            // A trailing backslash escapes the separator after it, which would pull the next keyword into the value
            // (and a stand-in keyword with it), so it is only used in the last pair.
            var value = Pick(random, KeywordValueValues);
            both.Append(value == "\\" && i < pairs - 1 ? "v" : value);
        }

        if (random.Next(12) == 0)
        {
            both.Append(" dangling");
        }

        return both.Result;
    }

    private static string Pick(Random random, string[] pool) => pool[random.Next(pool.Length)];

    /// <summary>Builds the input and the libpq 15 text side by side.</summary>
    private sealed class Twin
    {
        private readonly StringBuilder _input = new();
        private readonly StringBuilder _forLibpq = new();

        public (string, string) Result => (_input.ToString(), _forLibpq.ToString());

        public void Append(string text)
        {
            _input.Append(text);
            _forLibpq.Append(text);
        }

        public void AppendKeyword(string keyword)
        {
            _input.Append(keyword);
            _forLibpq.Append(NewerKeywords.StandIns.GetValueOrDefault(keyword, keyword));
        }
    }
}
