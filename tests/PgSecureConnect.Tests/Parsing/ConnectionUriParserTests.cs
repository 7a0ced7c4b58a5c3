using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Tests.Parsing;

public class ConnectionUriParserTests
{
    // Expected values were read off libpq 15 (PQconninfoParse); LibpqDifferentialTests checks many more against libpq itself.
    [Theory]
    [InlineData("postgresql://u:p@h/db", "user=u|password=p|host=h|dbname=db")]
    [InlineData("postgres://h", "host=h")]
    [InlineData("postgresql://", "")]
    [InlineData("postgresql:///", "")]
    [InlineData("postgresql:///mydb", "dbname=mydb")]
    [InlineData("postgresql://u@/db", "user=u|dbname=db")]
    [InlineData("postgresql://@h/db", "host=h|dbname=db")]
    [InlineData("postgresql://:pw@h/db", "password=pw|host=h|dbname=db")]
    [InlineData("postgresql://u:@h/db", "user=u|host=h|dbname=db")]
    [InlineData("postgresql://h1:5432,h2:5433,:7/db", "host=h1,h2,|port=5432,5433,7|dbname=db")]
    [InlineData("postgresql://h1,h2:5/db", "host=h1,h2|port=,5|dbname=db")]
    [InlineData("postgresql://h,/db", "host=h,|port=,|dbname=db")]
    [InlineData("postgresql://[::1]:5/db", "host=::1|port=5|dbname=db")]
    [InlineData("postgresql://[::1],[fe80::1]:6/db", "host=::1,fe80::1|port=,6|dbname=db")]
    [InlineData("postgresql://%2Fvar%2Frun%2Fpostgresql/db", "host=/var/run/postgresql|dbname=db")]
    [InlineData("postgresql:///db?host=/tmp&port=1", "dbname=db|host=/tmp|port=1")]
    [InlineData("postgresql://h:/db", "host=h|dbname=db")]
    [InlineData("postgresql://h/db/extra", "host=h|dbname=db/extra")]
    [InlineData("postgresql://h/?dbname=x", "host=h|dbname=x")]
    [InlineData("postgresql://u:p@h/db?user=other", "user=other|password=p|host=h|dbname=db")]
    [InlineData("postgresql://h/db?user=a&user=b", "host=h|dbname=db|user=b")]
    [InlineData("postgresql://h/db?ssl=true", "host=h|dbname=db|sslmode=require")]
    [InlineData("postgresql://h/db?requiressl=1", "host=h|dbname=db|sslmode=require")]
    [InlineData("postgresql://h/db?requiressl=0", "host=h|dbname=db|sslmode=prefer")]
    [InlineData("postgresql://h/d+b", "host=h|dbname=d+b")]
    [InlineData("postgresql://h/d%20b", "host=h|dbname=d b")]
    [InlineData("postgresql://h/db?%73slmode=require", "host=h|dbname=db|sslmode=require")]
    [InlineData("postgresql://h/db?sslmode=require&", "host=h|dbname=db|sslmode=require")]
    [InlineData("postgresql://h/db?sslmode=", "host=h|dbname=db|sslmode=")]
    [InlineData("postgresql://u:pa%40ss%2Fw%3Fo%23rd@h/db", "user=u|password=pa@ss/w?o#rd|host=h|dbname=db")]
    [InlineData("postgresql://u:pa?ss@h/db", "user=u|password=pa?ss|host=h|dbname=db")]
    [InlineData("postgresql://u:pa#ss@h/db", "user=u|password=pa#ss|host=h|dbname=db")]
    [InlineData("postgresql://h/%C3%A9", "host=h|dbname=é")]
    [InlineData("postgresql://[::1]", "host=::1")]
    [InlineData("postgresql://[::1]?sslmode=require", "host=::1|sslmode=require")]
    public void Parses_like_libpq(string url, string expected)
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse(url, "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        Format(parameters).Should().Be(expected);
    }

    [Theory]
    [InlineData("postgresql://h/d%00b", "dbname", "%00")]
    [InlineData("postgresql://h/d%zzb", "dbname", "two hex digits")]
    [InlineData("postgresql://h/%", "dbname", "two hex digits")]
    [InlineData("postgresql://h/d%2", "dbname", "two hex digits")]
    [InlineData("postgresql://h/%C3", "dbname", "UTF-8")]
    [InlineData("postgresql://[]/db", "host", "may not be empty")]
    [InlineData("postgresql://[::1/db", "host", "no closing ']'")]
    [InlineData("postgresql://[::1]x/db", "host", "unexpected character 'x'")]
    [InlineData("postgresql://h/db?ssl=false", "ssl", "only ssl=true")]
    [InlineData("postgresql://h/db?a=1&&b=2", "a", "not a PostgreSQL connection parameter")]
    [InlineData("postgresql://h/db?sslmode=require&&", "query", "empty parameter")]
    [InlineData("postgresql://h/db?sslmode", "query", "no '='")]
    [InlineData("postgresql://h/db?sslmode=a=b", "sslmode", "second '='")]
    [InlineData("postgresql://h/db?=1", "", "not a PostgreSQL connection parameter")]
    [InlineData("postgresql://h/db?sslmod=require", "sslmod", "did you mean 'sslmode'?")]
    [InlineData("postgresql://h/db?application-name=x", "application-name", "did you mean 'application_name'?")]
    [InlineData("POSTGRESQL://h/db", "url", "lower case")]
    [InlineData("jdbc:postgresql://h/db", "url", "JDBC")]
    [InlineData("mysql://h/db", "url", "not a PostgreSQL scheme")]
    [InlineData("postgresql://u:p@ss@h/db", "password", "more than one '@'")]
    [InlineData("postgresql://u:pa/ss@h/db", "password", "'/' is %2F")]
    [InlineData("postgresql://h?user=x@y", "user", "percent-encode '@' in query parameter values as %40")]
    [InlineData("postgresql://h:5432?password=a@b/db", "user", "query string ('?...=') before its '@'")]
    [InlineData("postgresql://h/db?password=a&b", "query", "percent-encode '&' inside values")]
    [InlineData("postgresql://h/db?password=a&bcd=1", "query", "if the password contains '&', percent-encode it as %26")]
    public void Reports_problem_with_key_and_fix(string url, string key, string messagePart)
    {
        var problems = new ProblemList();
        ConnectionUriParser.Parse(url, "url", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().Contain(p => p.Key == key && p.Message.Contains(messagePart, StringComparison.Ordinal),
            because: $"the problems were: {exception.Message}");
    }

    [Fact]
    public void Problem_source_names_the_url_parameter_and_where_the_url_came_from()
    {
        var problems = new ProblemList();
        var origin = new SettingSource(SettingSourceKind.DotEnvFile, "DATABASE_URL", "/app/.env");
        ConnectionUriParser.Parse("postgresql://h/db?sslmod=require", "DATABASE_URL", origin, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Message.Should().Be(
            "The PostgreSQL connection settings are invalid: sslmod in DATABASE_URL in /app/.env: 'sslmod' is not a PostgreSQL connection parameter; did you mean 'sslmode'?");
        exception.Key.Should().Be("sslmod");
    }

    [Fact]
    public void Collects_every_problem_in_one_go()
    {
        var problems = new ProblemList();
        ConnectionUriParser.Parse("postgresql://h/d%zz?sslmod=x&bogus=1&ssl=no", "url", null, problems);

        problems.Count.Should().Be(4);
    }

    private const string Sentinel = "S3nt1nel-Pa55w0rd";
    private const string BadPercent = "contains a '%' that is not followed by two hex digits (write a literal '%' as %25)";

    [Theory]
    [InlineData("http://h", true)]
    [InlineData("jdbc:postgresql://h/db", true)]
    [InlineData("x+y.z-1://h", true)]
    [InlineData("://h", false)]
    [InlineData(" http://h", false)]
    [InlineData("my scheme://h", false)]
    [InlineData("host=h", false)]
    public void Recognises_urls_of_any_scheme(string value, bool expected)
        => ConnectionUriParser.LooksLikeUrl(value).Should().Be(expected);

    [Theory]
    [InlineData("http://h/db", "the URL scheme 'http://' is not a PostgreSQL scheme; use postgresql:// or postgres://")]
    [InlineData("PostgreSQL://h/db", "the URL scheme 'PostgreSQL://' must be written in lower case, as libpq requires: postgresql:// or postgres://")]
    [InlineData("Postgres://h/db", "the URL scheme 'Postgres://' must be written in lower case, as libpq requires: postgresql:// or postgres://")]
    [InlineData("JDBC:postgresql://h/db", "this is a JDBC URL; remove the leading 'jdbc:' so it starts with postgresql://")]
    [InlineData("abcdefghijklmnopqrst://h", "the URL scheme 'abcdefghijklmnopqrst://' is not a PostgreSQL scheme; use postgresql:// or postgres://")]
    [InlineData("abcdefghijklmnopqrstu://h", "the value is not a postgresql:// or postgres:// URL")]
    [InlineData("://h/db", "the value is not a postgresql:// or postgres:// URL")]
    [InlineData("h/db", "the value is not a postgresql:// or postgres:// URL")]
    public void Bad_scheme_is_explained(string url, string message)
        => Problems(url).Should().Equal($"url: {message}");

    [Theory]
    [InlineData("postgresql://u%zz@h/db", "user: the user name " + BadPercent)]
    [InlineData("postgresql://u:p%zz@h/db", "password: the password " + BadPercent)]
    [InlineData("postgresql://h%zz/db", "host: the host list " + BadPercent)]
    [InlineData("postgresql://h:5%zz/db", "port: the port list " + BadPercent)]
    [InlineData("postgresql://h/d%zz", "dbname: the database name " + BadPercent)]
    [InlineData("postgresql://h/db?ss%zz=1", "query: a query parameter name " + BadPercent)]
    [InlineData("postgresql://h/db?sslmode=%zz", "sslmode: the value " + BadPercent)]
    [InlineData("postgresql://h/db?sslmode=a=b", "sslmode: the value contains a second '='; percent-encode it as %3D")]
    [InlineData("postgresql://h/db?zzzzzz=1", "zzzzzz: 'zzzzzz' is not a PostgreSQL connection parameter; see the list of supported URL parameters in the README")]
    [InlineData("postgresql://h/db?sslmdoe=require", "sslmdoe: 'sslmdoe' is not a PostgreSQL connection parameter; did you mean 'sslmode'?")]
    [InlineData("postgresql://h/db?@bogus=1", "@bogus: '@bogus' is not a PostgreSQL connection parameter; see the list of supported URL parameters in the README")]
    [InlineData("postgresql://h/db?password=x&bogus=1", "query: a query parameter after the password is not a PostgreSQL connection parameter; if the password contains '&', percent-encode it as %26")]
    [InlineData("postgresql://h/db?password=x&sslmode=a=b", "query: the value contains a second '='; percent-encode it as %3D")]
    [InlineData("postgresql://h/db?ssl=1", "ssl: only ssl=true is understood (it means sslmode=require); for anything else use sslmode=disable|allow|prefer|require|verify-ca|verify-full")]
    [InlineData("postgresql://u:p@[::1]x@h/db", "host: unexpected character (not shown) after the IPv6 address ']' (expected ':', '/', '?' or ',')")]
    [InlineData("postgresql://u@x@h/db", "user: the URL contains more than one '@', so libpq would cut the user name or password at the first one; percent-encode the password (and user name): '@' is %40, ':' is %3A, '/' is %2F")]
    [InlineData("postgresql://u?x@h/db", "user: the URL has a query string ('?...=') before its '@', so libpq would read it as the user name and password; percent-encode '@' in query parameter values as %40")]
    public void Problems_name_the_part_and_the_fix(string url, params string[] expected)
        => Problems(url).Should().Equal(expected);

    // Everything before the last '@' may be part of an unencoded password, so no query parameter name from there is shown.
    [Theory]
    [InlineData("postgresql://h/db?sslmode=a=b&application_name=@x", "query: the value contains a second '='; percent-encode it as %3D")]
    [InlineData("postgresql://h/db?sslmode=%zz&application_name=@x", "query: the value " + BadPercent)]
    [InlineData("postgresql://h/db?bogus=1&application_name=@x", "query: a query parameter after the password is not a PostgreSQL connection parameter; if the password contains '&', percent-encode it as %26")]
    public void Query_parameters_before_the_last_at_sign_are_not_named(string url, string expected)
        => Problems(url).Should().Equal(expected);

    [Theory]
    [InlineData("postgresql://h/db?password=x&junk&bogus=1")]
    [InlineData("postgresql://h/db?password=x&sslmode=a=b&bogus=1")]
    [InlineData("postgresql://h/db?password=x&sslmode=%zz&bogus=1")]
    [InlineData("postgresql://h/db?password=x&ssl=true&bogus=1")]
    [InlineData("postgresql://h/db?password=x&nope=1&bogus=1")]
    public void Only_the_parameter_right_after_the_password_is_hidden(string url)
        => Problems(url).Should().EndWith(
            "bogus: 'bogus' is not a PostgreSQL connection parameter; see the list of supported URL parameters in the README");

    [Theory]
    [InlineData("postgresql://h/db?ss%zz=1")]
    [InlineData("postgresql://h/db?sslmode=a=b")]
    [InlineData("postgresql://h/db?sslmode=%zz")]
    [InlineData("postgresql://h/db?ssl=on")]
    [InlineData("postgresql://h/db?sslmod=require")]
    public void A_faulty_query_parameter_is_not_stored(string url)
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse(url, "url", null, problems);

        problems.HasProblems.Should().BeTrue();
        Format(parameters).Should().Be("host=h|dbname=db");
    }

    [Fact]
    public void Ssl_true_after_a_verifying_sslmode_warns_that_it_lowers_it()
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse("postgresql://h/db?sslmode=verify-ca&ssl=true", "DATABASE_URL", null, problems);

        problems.HasProblems.Should().BeFalse();
        problems.Warnings.Should().Equal(
            "DATABASE_URL: ssl=true after sslmode=verify-ca lowers it to sslmode=require, which does not verify the server certificate (libpq reads ssl=true as sslmode=require and the later parameter wins); remove ssl=true to keep verify-ca");
        parameters.TryGet(LibpqKeyword.SslMode, out var sslMode).Should().BeTrue();
        sslMode.Value.Should().Be("require");
        sslMode.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "ssl", "DATABASE_URL"));
    }

    [Theory]
    [InlineData("postgresql://h/db?sslmode=verify-full&ssl=true", 1)]
    [InlineData("postgresql://h/db?sslmode=require&ssl=true", 0)]
    [InlineData("postgresql://h/db?sslmode=disable&ssl=true", 0)]
    [InlineData("postgresql://h/db?ssl=true", 0)]
    [InlineData("postgresql://h/db?ssl=true&sslmode=verify-full", 0)]
    public void Ssl_true_warns_only_when_it_lowers_verification(string url, int warnings)
    {
        var problems = new ProblemList();
        ConnectionUriParser.Parse(url, "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        problems.Warnings.Should().HaveCount(warnings);
    }

    [Fact]
    public void Sources_carry_where_the_url_came_from()
    {
        var origin = new SettingSource(SettingSourceKind.EnvironmentVariable, "DATABASE_URL");
        var problems = new ProblemList();

        var fromOrigin = ConnectionUriParser.Parse("postgresql://h/db", "DATABASE_URL", origin, problems);
        var fromKey = ConnectionUriParser.Parse("postgresql://h/db", "DB_URL", null, problems);
        var direct = ConnectionUriParser.Parse("postgresql://h/db", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        fromOrigin.TryGet("host", out var a).Should().BeTrue();
        a.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "host", "environment variable DATABASE_URL"));
        fromKey.TryGet("dbname", out var b).Should().BeTrue();
        b.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "dbname", "DB_URL"));
        direct.TryGet("host", out var c).Should().BeTrue();
        c.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "host", null));
    }

    [Fact]
    public void Problem_sources_carry_where_the_url_came_from()
    {
        var problems = new ProblemList();
        ConnectionUriParser.Parse("postgresql://h/db?sslmode=a=b", "DB_URL", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "sslmode", "DB_URL"));
    }

    [Theory]
    [InlineData("postgresql://h/db?application_name=a@b", true)]
    [InlineData("postgresql://h/db?application_name=@b", false)]
    [InlineData("postgresql://h/db?application_name=ab", false)]
    public void A_query_value_before_the_last_at_sign_may_hold_a_secret(string url, bool mayHoldSecret)
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse(url, "url", null, problems);

        parameters.TryGet("application_name", out var value).Should().BeTrue();
        value.MayHoldSecret.Should().Be(mayHoldSecret);
    }

    [Fact]
    public void Only_values_cut_from_before_the_last_at_sign_may_hold_a_secret_and_never_the_user_name()
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse("postgresql://u:p@h:5/db?application_name=a", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.Keywords.Where(k => parameters.TryGet(k, out var v) && v.MayHoldSecret).Should().Equal("password");
    }

    [Fact]
    public void A_lone_surrogate_is_kept_for_the_mapper_to_refuse()
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse("postgresql://h/d\uD800", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.TryGet("dbname", out var dbname).Should().BeTrue();
        dbname.Value.Should().Be("d\uD800");
    }

    [Fact]
    public void A_lone_surrogate_in_a_percent_encoded_value_is_refused()
    {
        var problems = new ProblemList();
        var parameters = ConnectionUriParser.Parse("postgresql://h/d%41\uD800", "url", null, problems);

        parameters.TryGet("dbname", out _).Should().BeFalse();
        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "dbname: the database name contains an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL");
    }

    [Fact]
    public void Problems_never_show_the_password()
    {
        var messages = Problems($"postgresql://u:{Sentinel}@[::1]x@h/db?password={Sentinel}&{Sentinel}=1");

        messages.Should().NotBeEmpty();
        string.Join("\n", messages).Should().NotContain(Sentinel);
    }

    private static string[] Problems(string url)
    {
        var problems = new ProblemList();
        ConnectionUriParser.Parse(url, "url", null, problems);
        if (!problems.HasProblems)
        {
            return [];
        }

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        return exception.Problems.Select(p => $"{p.Key}: {p.Message}").ToArray();
    }

    private static string Format(ConnectionParameters parameters)
        => string.Join("|", parameters.Keywords.Select(k => $"{k}={parameters.ToDictionary()[k]}"));
}
