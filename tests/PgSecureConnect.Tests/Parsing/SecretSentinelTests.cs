using System.Collections;
using System.Text;
using PgSecureConnect.Tests.Parsing.Libpq;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>
/// A sentinel password, in many variants with the characters that break URLs and connection strings, is placed in
/// many broken (and some valid) inputs: URLs with the password unencoded, percent-encoded or in <c>?password=</c>,
/// keyword/value strings, Npgsql connection strings, variables, and <c>sslpassword</c>. When reading fails, no part of
/// the exception (message, <see cref="Exception.ToString"/>, problems, <see cref="Exception.Data"/>) may contain the
/// password or any 5-character piece of it, raw or percent-encoded. When reading succeeds, the password must be the one
/// intended, must not show in <see cref="ConnectionSettings.ToString"/>, <see cref="ConnectionSettings.ToUrl"/> or
/// <see cref="ConnectionSettings.Describe"/>, and <c>ToUrl(includePassword: true)</c> must round-trip.
/// </summary>
public class SecretSentinelTests
{
    private const int MinimumPieceLength = 5;

    /// <summary>
    /// Both halves around the special character are longer than <see cref="MinimumPieceLength"/>, so either half leaking
    /// is caught. ("S3nt1nel", not "S3ntinel": the stack trace in <see cref="Exception.ToString"/> names this class.)
    /// </summary>
    public static readonly IReadOnlyList<string> Passwords =
    [
        "S3nt1nel-Pa55w0rd",
        "S3nt1nel@Pa55w0rd",
        "S3nt1nel/Pa55w0rd",
        "S3nt1nel?Pa55w0rd",
        "S3nt1nel#Pa55w0rd",
        "S3nt1nel:Pa55w0rd",
        "S3nt1nel%Pa55w0rd",
        "S3nt1nel Pa55w0rd",
        "S3nt1nel'Pa55w0rd",
        "S3nt1nel;Pa55w0rd",
        "S3nt1nel&Pa55w0rd",
        "S3nt1nel=Pa55w0rd",
        "S3nt1nel+Pa55w0rd",
        "S3nt1n\u00E9l\u20ACP\u00E455w0rd",
        "S3nt1nel@/?#:%Pa55w0rd",
    ];

    private static readonly IReadOnlyList<Shape> Shapes =
    [
        // URLs with the password in the user information.
        Url("url valid", "postgresql://app:{P}@db.example.com:5432/orders"),
        Url("url bad port", "postgresql://app:{P}@db.example.com:abc/orders"),
        Url("url port out of range", "postgresql://app:{P}@db.example.com:70000/orders"),
        Url("url bad sslmode", "postgresql://app:{P}@db.example.com/orders?sslmode=bogus"),
        Url("url unknown parameter", "postgresql://app:{P}@db.example.com/orders?foo=bar"),
        Url("url unsupported parameter", "postgresql://app:{P}@db.example.com/orders?hostaddr=10.0.0.1"),
        Url("url bad percent in dbname", "postgresql://app:{P}@db.example.com/ord%zzers"),
        Url("url %00 in dbname", "postgresql://app:{P}@db.example.com/ord%00ers"),
        Url("url ipv6 unclosed", "postgresql://app:{P}@[::1/orders"),
        Url("url ipv6 junk", "postgresql://app:{P}@[::1]x/orders"),
        Url("url ipv6 empty", "postgresql://app:{P}@[]/orders"),
        Url("url postgres scheme bad port", "postgres://app:{P}@db.example.com:x/orders"),
        Url("url uppercase scheme", "POSTGRESQL://app:{P}@db.example.com/orders"),
        Url("url jdbc", "jdbc:postgresql://app:{P}@db.example.com/orders"),
        Url("url other scheme", "mysql://app:{P}@db.example.com/orders"),
        Url("url without slashes", "postgresql:app:{P}@db.example.com/orders"),
        Url("url host list bad port", "postgresql://app:{P}@h1:5432,h2:abc/orders"),
        Url("url port count", "postgresql://app:{P}@h1,h2/orders?port=1,2,3"),
        Url("url socket bad port", "postgresql://app:{P}@%2Fvar%2Frun%2Fpostgresql/orders?port=x"),
        Url("url bad host in query", "postgresql://app:{P}@/orders?host=bad%20host"),
        Url("url empty segments", "postgresql://app:{P}@db.example.com/orders?&&"),
        Url("url missing =", "postgresql://app:{P}@db.example.com/orders?sslmode"),
        Url("url extra =", "postgresql://app:{P}@db.example.com/orders?application_name=a=b"),
        Url("url ssl=false", "postgresql://app:{P}@db.example.com/orders?ssl=false"),
        Url("url weak sslmode with system roots", "postgresql://app:{P}@db.example.com/orders?sslmode=require&sslrootcert=system"),
        Url("url no user", "postgresql://:{P}@db.example.com:abc/orders"),
        Url("url no host", "postgresql://app:{P}@"),
        Url("url trailing garbage", "postgresql://app:{P}@db.example.com/orders?sslmode=bogus \n"),

        // URLs with the password as a query parameter.
        Url("query password", "postgresql://app@db.example.com/orders?password={P}"),
        Url("query password broken", "postgresql://app@db.example.com:abc/orders?password={P}&sslmode=bogus"),
        Url("query password first", "postgresql://db.example.com/orders?password={P}&port=abc"),
        Url("query password without dbname", "postgresql://db.example.com?password={P}"),
        Url("query password after port without dbname", "postgresql://db.example.com:5432?password={P}"),
        Url("query password then unknown", "postgresql://db.example.com/orders?password={P}&foo=bar"),
        Url("query sslpassword broken", "postgresql://app@db.example.com/orders?sslpassword={P}&sslmode=bogus", Field.SslPassword),
        Url("query sslpassword", "postgresql://app@db.example.com/orders?sslkey=k.pem&sslpassword={P}", Field.SslPassword),

        // libpq keyword/value strings; the encoded form is a quoted value.
        KeywordValue("kv valid", "host=db.example.com user=app password={P}"),
        KeywordValue("kv bad port", "host=db.example.com port=abc password={P}"),
        KeywordValue("kv password first", "password={P} host=db.example.com port=abc"),
        KeywordValue("kv bad sslmode", "host=db.example.com password={P} sslmode=bogus"),
        KeywordValue("kv unknown after", "host=db.example.com password={P} foo=bar"),
        KeywordValue("kv unterminated after", "host=db.example.com password={P} application_name='x"),
        KeywordValue("kv missing = after", "host=db.example.com password={P} dangling"),
        KeywordValue("kv sslpassword", "host=db.example.com sslkey=k.pem sslpassword={P} port=abc", Field.SslPassword),

        // Npgsql connection strings; the encoded form is a double-quoted value.
        Npgsql("npgsql valid", "Host=db.example.com;Username=app;Password={P}"),
        Npgsql("npgsql bad port", "Host=h;Password={P};Port=abc"),
        Npgsql("npgsql unknown keyword", "Host=h;Password={P};Foo=bar"),
        Npgsql("npgsql bad sslmode", "Server=h;Pwd={P};SSL Mode=bogus"),
        Npgsql("npgsql keyword without libpq equivalent", "Host=h;Password={P};Pooling=false"),
        Npgsql("npgsql host with bad port", "Host=h:abc;Password={P}"),
        Npgsql("npgsql sslpassword", "Host=h;SSL Password={P};Port=abc", Field.SslPassword),

        // Variables.
        Variables("DB_PASSWORD with bad DB_PORT", p => new() { ["DB_HOST"] = "db.example.com", ["DB_PASSWORD"] = p, ["DB_PORT"] = "abc" }),
        Variables("DB_PASSWORD with bad DB_HOST", p => new() { ["DB_HOST"] = "bad host", ["DB_PASSWORD"] = p }),
        Variables("DB_PASSWORD with bad DB_SSLMODE", p => new() { ["DB_HOST"] = "db.example.com", ["DB_PASSWORD"] = p, ["DB_SSLMODE"] = "bogus" }),
        Variables("DB_PASSWORD next to DATABASE_URL", p => new() { ["DATABASE_URL"] = "postgresql://app@db.example.com/orders", ["DB_PASSWORD"] = p }),
        Variables("DB_PASSWORD and DB_PASSWORD_FILE", p => new() { ["DB_HOST"] = "db.example.com", ["DB_PASSWORD"] = p, ["DB_PASSWORD_FILE"] = "/nonexistent/pw" }),
        Variables("PGPASSWORD with bad PGPORT", p => new() { ["PGHOST"] = "db.example.com", ["PGPASSWORD"] = p, ["PGPORT"] = "abc" }),
        Variables("DB_SSLPASSWORD with bad DB_PORT", p => new() { ["DB_HOST"] = "db.example.com", ["DB_SSLPASSWORD"] = p, ["DB_PORT"] = "abc" }, Field.SslPassword),
        Variables("DB_PASSWORD valid", p => new() { ["DB_HOST"] = "db.example.com", ["DB_USER"] = "app", ["DB_PASSWORD"] = p }),
        DatabaseUrl("DATABASE_URL bad port", "postgresql://app:{P}@db.example.com:abc/orders"),
        DatabaseUrl("DATABASE_URL and DB_PORT", "postgresql://app:{P}@db.example.com/orders", new() { ["DB_PORT"] = "6543" }),
        DatabaseUrl("DATABASE_URL and bad DB_SSLMODE", "postgresql://app:{P}@db.example.com/orders", new() { ["DB_SSLMODE"] = "bogus" }),
        DatabaseUrl("DATABASE_URL valid", "postgresql://app:{P}@db.example.com/orders"),
    ];

    private enum Field
    {
        Password,
        SslPassword,
    }

    public static TheoryData<string, string, bool> Cases
    {
        get
        {
            var data = new TheoryData<string, string, bool>();
            foreach (var shape in Shapes)
            {
                foreach (var password in Passwords)
                {
                    data.Add(shape.Name, password, false);
                    if (shape.HasEncodedForm)
                    {
                        data.Add(shape.Name, password, true);
                    }
                }
            }

            return data;
        }
    }

    [Fact]
    public void There_are_many_cases()
    {
        Cases.Count.Should().BeGreaterThan(1000);
        Shapes.Select(s => s.Name).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Password_never_leaks(string shapeName, string password, bool encoded)
    {
        var shape = Shapes.Single(s => s.Name == shapeName);
        var (description, read) = shape.Build(password, encoded);
        var pieces = ForbiddenPieces(password);

        ConnectionSettings settings;
        try
        {
            settings = read();
        }
        catch (ConnectionConfigurationException e)
        {
            AssertNoPiece(pieces, description, "Message", e.Message);
            AssertNoPiece(pieces, description, "ToString()", e.ToString());
            AssertNoPiece(pieces, description, "Key", e.Key);
            foreach (var problem in e.Problems)
            {
                AssertNoPiece(pieces, description, "a problem", problem.ToString());
                AssertNoPiece(pieces, description, "a problem's key", problem.Key);
                AssertNoPiece(pieces, description, "a problem's source", problem.Source?.ToString());
            }

            foreach (DictionaryEntry entry in e.Data)
            {
                AssertNoPiece(pieces, description, "Data", $"{entry.Key}={entry.Value}");
            }

            return;
        }

        AssertNoPiece(pieces, description, "ToString()", settings.ToString());
        AssertNoPiece(pieces, description, "ToUrl()", settings.ToUrl());
        AssertNoPiece(pieces, description, "Describe()", settings.Describe());
        foreach (var (keyword, source) in settings.Sources)
        {
            AssertNoPiece(pieces, description, $"the source of {keyword}", source.ToString());
        }

        Secret(settings, shape.Field).Should().Be(password, $"{description} was accepted, so it must have been read with the intended {shape.Field}");

        var url = settings.ToUrl(includePassword: true);
        var again = ConnectionSettings.FromUrl(url);
        again.ToUrl(includePassword: true).Should().Be(url, $"ToUrl(includePassword: true) of {description} must round-trip");
        Secret(again, shape.Field).Should().Be(password, $"ToUrl(includePassword: true) of {description} must keep the {shape.Field}");
    }

    /// <summary>Every 5-character piece of the password, raw and percent-encoded (upper- and lower-case hex).</summary>
    private static HashSet<string> ForbiddenPieces(string password)
    {
        var pieces = new HashSet<string>(StringComparer.Ordinal);
        var encoded = Uri.EscapeDataString(password);
        foreach (var form in new[] { password, encoded, LowerCaseHex(encoded) })
        {
            for (var i = 0; i + MinimumPieceLength <= form.Length; i++)
            {
                pieces.Add(form.Substring(i, MinimumPieceLength));
            }
        }

        return pieces;
    }

    private static string LowerCaseHex(string encoded)
    {
        var builder = new StringBuilder(encoded);
        for (var i = 0; i + 2 < builder.Length; i++)
        {
            if (builder[i] == '%')
            {
                builder[i + 1] = char.ToLowerInvariant(builder[i + 1]);
                builder[i + 2] = char.ToLowerInvariant(builder[i + 2]);
            }
        }

        return builder.ToString();
    }

    private static void AssertNoPiece(HashSet<string> pieces, string description, string where, string? text)
    {
        if (text is null)
        {
            return;
        }

        // Case-insensitive: a leak stays a leak when a parser lower-cases it (Npgsql keywords are).
        var leaked = pieces.Where(p => text.Contains(p, StringComparison.OrdinalIgnoreCase)).ToList();
        leaked.Should().BeEmpty($"{where} must not reveal any part of the password; input {description}; {where} was: {Display.Literal(text)}");
    }

    private static string? Secret(ConnectionSettings settings, Field field) => field == Field.Password ? settings.Password : settings.SslPassword;

    private static Shape Url(string name, string template, Field field = Field.Password)
        => new(name, field, true, (password, encoded) =>
        {
            var url = template.Replace("{P}", encoded ? Uri.EscapeDataString(password) : password, StringComparison.Ordinal);
            return ($"FromUrl({Display.Literal(url)})", () => ConnectionSettings.FromUrl(url));
        });

    private static Shape KeywordValue(string name, string template, Field field = Field.Password)
        => new(name, field, true, (password, encoded) =>
        {
            var value = encoded ? "'" + password.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'" : password;
            var text = template.Replace("{P}", value, StringComparison.Ordinal);
            return ($"FromUrl({Display.Literal(text)})", () => ConnectionSettings.FromUrl(text));
        });

    private static Shape Npgsql(string name, string template, Field field = Field.Password)
        => new(name, field, true, (password, encoded) =>
        {
            var value = encoded ? "\"" + password.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : password;
            var text = template.Replace("{P}", value, StringComparison.Ordinal);
            return ($"FromUrl({Display.Literal(text)})", () => ConnectionSettings.FromUrl(text));
        });

    private static Shape Variables(string name, Func<string, Dictionary<string, string?>> variables, Field field = Field.Password)
        => new(name, field, false, (password, _) =>
        {
            var values = variables(password);
            return (DescribeVariables(values), () => ConnectionSettings.FromVariables(values));
        });

    private static Shape DatabaseUrl(string name, string template, Dictionary<string, string?>? others = null)
        => new(name, Field.Password, true, (password, encoded) =>
        {
            var values = new Dictionary<string, string?>(others ?? [])
            {
                ["DATABASE_URL"] = template.Replace("{P}", encoded ? Uri.EscapeDataString(password) : password, StringComparison.Ordinal),
            };
            return (DescribeVariables(values), () => ConnectionSettings.FromVariables(values));
        });

    private static string DescribeVariables(Dictionary<string, string?> values)
        => "FromVariables(" + string.Join(", ", values.Select(v => $"{v.Key}={Display.Literal(v.Value)}")) + ")";

    private sealed record Shape(string Name, Field Field, bool HasEncodedForm, Func<string, bool, (string Description, Func<ConnectionSettings> Read)> Build);
}
