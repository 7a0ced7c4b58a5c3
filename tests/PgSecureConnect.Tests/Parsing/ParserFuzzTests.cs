using System.Diagnostics;
using System.Text;
using PgSecureConnect.Tests.Parsing.Libpq;
using Xunit.Abstractions;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>
/// Deterministic fuzzing (fixed seeds) of every entry point that reads a connection string: random text, and mutations
/// of valid URLs, keyword/value strings and Npgsql connection strings. Whatever the input, reading it either succeeds or
/// throws <see cref="ConnectionConfigurationException"/> with at least one problem and a message; any other exception
/// is a bug. Each input goes through <see cref="ConnectionSettings.FromUrl"/> and through
/// <see cref="ConnectionSettings.FromVariables"/> as <c>DATABASE_URL</c>, <c>DB_HOST</c> and <c>DB_PORT</c>.
/// </summary>
public class ParserFuzzTests(ITestOutputHelper output)
{
    private const int RandomTextCount = 6_000;
    private const int UrlMutationCount = 9_000;
    private const int KeywordValueMutationCount = 3_000;
    private const int NpgsqlMutationCount = 3_000;

    /// <summary>Characters that matter to the parsers, plus whitespace, controls, non-ASCII and lone surrogates.</summary>
    private const string Alphabet =
        "%@/:?#&=[],'\\ \"; +-._~!$*()abcxyzHPU0123456789\t\n\r\v\f\0\u00A0\u00E9\u00FC\u20AC\u2028\u3000\uFEFF\uFFFD\uD800\uDBFF\uDC00\uDFFF";

    private static readonly string[] Tokens =
    [
        "%", "%2", "%zz", "%00", "%C3", "%FF", "%25", "%40", "%2F", "%3A", "%C3%A9", "@", "[", "]", "[::1]", "::", "?", "&", "&&", "=", "==",
        "'", "\\", "\\'", ";", "\"", " ", "  ", "\u00A0", "\uD800", "\uDC00", "\uD83D\uDE00", "\0", "postgresql://", "postgres://", ",", ",,",
        ":5432", ":abc", ":99999", "/db", "?sslmode=", "sslmode=require", "ssl=true", "password=", "Password=", "Host=", "host=",
        "require_auth=", "pgbouncer=", "pool_timeout=", "connect_timeout=", "-1", "2147483648", "99999999999999999999", "1e9", "NaN",
        "connection_limit=", "pool_max_conns=", "pool_min_conns=", "keepalives_idle=", "sslrootcert=system", "target_session_attrs=",
        "Timeout=", "Maximum Pool Size=", "SSL Mode=", "Port=", "Server=", "Search Path=",
    ];

    internal static readonly string[] UrlSeeds =
    [
        .. DifferentialCorpus.Agreeing.Where(s => s.StartsWith("postgres", StringComparison.Ordinal)),
        .. DifferentialCorpus.Divergent.Select(d => d.Input).Where(s => s.StartsWith("postgres", StringComparison.Ordinal)),
        "postgresql://app:s3cret@db1.example.com:5432,db2.example.com:5433/orders?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fca.pem" +
            "&application_name=api&connect_timeout=10&target_session_attrs=read-write&pool_max_conns=20&pool_min_conns=2&pool_timeout=30s" +
            "&pool_max_conn_lifetime=1h&pool_max_conn_idle_time=5m&pgbouncer=true&schema=app&require_auth=scram-sha-256&channel_binding=require" +
            "&keepalives=1&keepalives_idle=30&keepalives_interval=10&load_balance_hosts=random&gssencmode=disable&client_encoding=UTF8",
        "postgres://u%40x:p%3Ass@[2001:db8::1]:6432,%2Fvar%2Frun%2Fpostgresql/db%2Fname?sslmode=require&sslnegotiation=direct&ssl_min_protocol_version=TLSv1.2",
        "postgresql:///orders?host=%2Ftmp&port=5433&user=me&password=pw&sslcert=c.pem&sslkey=k.pem&sslpassword=kp&connection_limit=5",
    ];

    internal static readonly string[] KeywordValueSeeds =
    [
        .. DifferentialCorpus.Agreeing.Where(s => !s.StartsWith("postgres", StringComparison.Ordinal) && s.Contains('=', StringComparison.Ordinal)),
        "host=db1,db2 port=5432,5433 dbname='my db' user=app password='p w\\'s' sslmode=require connect_timeout=5 application_name=x",
        "host=/var/run/postgresql dbname=orders sslmode=disable keepalives=0 target_session_attrs=primary require_auth='!password,!md5'",
    ];

    internal static readonly string[] NpgsqlSeeds =
    [
        "Host=db1,db2:5433;Port=5432;Database=orders;Username=app;Password=secret;SSL Mode=VerifyFull;Root Certificate=/ca.pem;Timeout=15;" +
            "Maximum Pool Size=50;Minimum Pool Size=1;Target Session Attributes=primary;Load Balance Hosts=true;Tcp Keepalive=true;" +
            "Search Path=app;Application Name=x;Persist Security Info=false;Channel Binding=Require;Require Auth=ScramSHA256",
        "Server=[::1]:6000;Database=\"my;db\";User ID=u;Pwd='p;w';Connection Idle Lifetime=300;Connection Lifetime=3600;Options=-c x=y",
        "Host=h;Password=S3cret;Port=abc",
        "host=h;port=5432;",
        "Host=/tmp;Database=d;Kerberos Service Name=pg;Gss Encryption Mode=Disable;SSL Negotiation=Direct;Client Encoding=UTF8",
    ];

    [Fact]
    public void Random_text_is_accepted_or_rejected_cleanly() => Run("random text", RandomText(seed: 1, RandomTextCount));

    [Fact]
    public void Mutated_urls_are_accepted_or_rejected_cleanly() => Run("mutated URLs", Mutations(UrlSeeds, seed: 2, UrlMutationCount));

    [Fact]
    public void Mutated_keyword_value_strings_are_accepted_or_rejected_cleanly()
        => Run("mutated keyword/value strings", Mutations(KeywordValueSeeds, seed: 3, KeywordValueMutationCount));

    [Fact]
    public void Mutated_npgsql_strings_are_accepted_or_rejected_cleanly()
        => Run("mutated Npgsql strings", Mutations(NpgsqlSeeds, seed: 4, NpgsqlMutationCount));

    [Fact]
    public void Fuzz_inputs_are_many_and_the_same_every_run()
    {
        var all = AllInputs().ToList();
        all.Count.Should().BeGreaterThanOrEqualTo(20_000);
        AllInputs().Should().Equal(all, "fixed seeds make the fuzz inputs reproducible");
        output.WriteLine($"{all.Count} inputs, {all.Distinct(StringComparer.Ordinal).Count()} distinct");
    }

    /// <summary>
    /// Whatever <see cref="ConnectionSettings.FromUrl"/> accepts can be shown, described, turned into an Npgsql
    /// connection string, and written back as a URL that reads to the same settings.
    /// </summary>
    [Fact]
    public void Accepted_inputs_render_and_round_trip()
    {
        var stopwatch = Stopwatch.StartNew();
        var failures = new FailureLog();
        var accepted = 0;
        foreach (var input in AllInputs())
        {
            ConnectionSettings settings;
            try
            {
                settings = ConnectionSettings.FromUrl(input);
            }
            catch (ConnectionConfigurationException)
            {
                continue;
            }

            accepted++;
            try
            {
                _ = settings.ToString();
                _ = settings.ToUrl();
                _ = settings.Describe();
                _ = settings.ToNpgsqlConnectionStringBuilder().ConnectionString;
            }
            catch (Exception e)
            {
                failures.Add("render", input, e);
                continue;
            }

            var url = settings.ToUrl(includePassword: true);
            try
            {
                var again = ConnectionSettings.FromUrl(url);
                if (again.ToUrl(includePassword: true) != url || again.Password != settings.Password)
                {
                    failures.Add("round trip changes the settings", input, $"ToUrl(true) {Display.Literal(url)} reads back as {Display.Literal(again.ToUrl(includePassword: true))}");
                }
            }
            catch (Exception e)
            {
                failures.Add("round trip", input, e, $"ToUrl(true) = {Display.Literal(url)}");
            }
        }

        output.WriteLine($"{accepted} accepted inputs checked in {stopwatch.ElapsedMilliseconds} ms");
        accepted.Should().BeGreaterThan(500, "the fuzz inputs must reach successful parses too");
        failures.AssertNone(output);
    }

    internal static IEnumerable<string> AllInputs()
        => RandomText(1, RandomTextCount)
            .Concat(Mutations(UrlSeeds, 2, UrlMutationCount))
            .Concat(Mutations(KeywordValueSeeds, 3, KeywordValueMutationCount))
            .Concat(Mutations(NpgsqlSeeds, 4, NpgsqlMutationCount));

    private void Run(string family, IEnumerable<string> inputs)
    {
        var stopwatch = Stopwatch.StartNew();
        var failures = new FailureLog();
        var count = 0;
        var outcomes = new int[2];
        foreach (var input in inputs)
        {
            count++;
            outcomes[Check("FromUrl", input, () => ConnectionSettings.FromUrl(input), failures) ? 0 : 1]++;
            Check("DATABASE_URL", input, () => ConnectionSettings.FromVariables(new Dictionary<string, string?> { ["DATABASE_URL"] = input }), failures);
            Check("DB_HOST", input, () => ConnectionSettings.FromVariables(new Dictionary<string, string?> { ["DB_HOST"] = input }), failures);
            Check("DB_PORT", input, () => ConnectionSettings.FromVariables(new Dictionary<string, string?> { ["DB_PORT"] = input }), failures);
        }

        output.WriteLine($"{family}: {count} inputs x 4 entry points in {stopwatch.ElapsedMilliseconds} ms; FromUrl accepted {outcomes[0]}, rejected {outcomes[1]}");
        failures.AssertNone(output);
    }

    /// <summary>Runs <paramref name="read"/>; returns whether it succeeded; logs anything but a well-formed configuration error.</summary>
    private static bool Check(string entryPoint, string input, Func<ConnectionSettings> read, FailureLog failures)
    {
        try
        {
            read();
            return true;
        }
        catch (ConnectionConfigurationException e)
        {
            if (e.Problems.Count == 0 || string.IsNullOrWhiteSpace(e.Message) || e.Problems.Any(p => string.IsNullOrWhiteSpace(p.Message)))
            {
                failures.Add(entryPoint + ": malformed ConnectionConfigurationException", input, e);
            }

            return false;
        }
        catch (Exception e)
        {
            failures.Add(entryPoint, input, e);
            return false;
        }
    }

    private static IEnumerable<string> RandomText(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(61);
            var builder = new StringBuilder(length + 13);
            var mode = random.Next(4);
            if (mode == 3)
            {
                builder.Append(random.Next(2) == 0 ? "postgresql://" : "host=");
            }

            for (var j = 0; j < length; j++)
            {
                builder.Append(mode switch
                {
                    0 => (char)random.Next(0x10000),
                    1 => (char)random.Next(0x100),
                    _ => Alphabet[random.Next(Alphabet.Length)],
                });
            }

            yield return builder.ToString();
        }
    }

    private static IEnumerable<string> Mutations(string[] seeds, int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder(seeds[random.Next(seeds.Length)]);
            var mutations = 1 + random.Next(5);
            for (var m = 0; m < mutations; m++)
            {
                Mutate(text, random);
            }

            yield return text.ToString();
        }
    }

    private static void Mutate(StringBuilder text, Random random)
    {
        var position = random.Next(text.Length + 1);
        switch (random.Next(8))
        {
            case 0:
                text.Insert(position, Alphabet[random.Next(Alphabet.Length)]);
                break;
            case 1 when text.Length > 0:
                text.Remove(Math.Min(position, text.Length - 1), 1);
                break;
            case 2 when text.Length > 0:
                text[Math.Min(position, text.Length - 1)] = Alphabet[random.Next(Alphabet.Length)];
                break;
            case 3:
            case 4:
                text.Insert(position, Tokens[random.Next(Tokens.Length)]);
                break;
            case 5 when text.Length > 1:
                var start = random.Next(text.Length);
                var length = random.Next(1, Math.Min(20, text.Length - start) + 1);
                text.Insert(position, text.ToString(start, length));
                break;
            case 6 when text.Length > 0:
                text.Length = position == text.Length ? position - 1 : position;
                break;
            case 7 when text.Length > 1:
                var a = random.Next(text.Length);
                var b = random.Next(text.Length);
                (text[a], text[b]) = (text[b], text[a]);
                break;
            default:
                text.Insert(position, Alphabet[random.Next(Alphabet.Length)]);
                break;
        }
    }

    /// <summary>Failures grouped by entry point, exception type and throwing method, with a few example inputs each.</summary>
    private sealed class FailureLog
    {
        private readonly Dictionary<string, List<string>> _bySignature = new(StringComparer.Ordinal);

        public void Add(string what, string input, Exception e, string? detail = null)
        {
            var frame = new StackTrace(e).GetFrames().Select(f => f.GetMethod()).FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("PgSecureConnect", StringComparison.Ordinal) == true);
            var thrower = e.TargetSite is { } site ? $"{site.DeclaringType?.FullName}.{site.Name}" : "?";
            var ours = frame is null ? "?" : $"{frame.DeclaringType?.FullName}.{frame.Name}";
            Add($"{what}: {e.GetType().FullName} thrown by {thrower} (from {ours})", input, $"{e.Message}{(detail is null ? string.Empty : "; " + detail)}");
        }

        public void Add(string signature, string input, string detail)
        {
            if (!_bySignature.TryGetValue(signature, out var examples))
            {
                _bySignature[signature] = examples = [];
            }

            examples.Add($"{Display.Literal(input)} -> {detail}");
        }

        public void AssertNone(ITestOutputHelper output)
        {
            if (_bySignature.Count == 0)
            {
                return;
            }

            var report = new StringBuilder();
            foreach (var (signature, examples) in _bySignature)
            {
                report.Append('\n').Append(examples.Count).Append(" x ").Append(signature);
                foreach (var example in examples.Distinct(StringComparer.Ordinal).OrderBy(e => e.Length).Take(3))
                {
                    report.Append("\n    e.g. ").Append(example);
                }
            }

            output.WriteLine(report.ToString());
            Assert.Fail($"{_bySignature.Values.Sum(e => e.Count)} fuzz failures in {_bySignature.Count} groups:{report}");
        }
    }
}
