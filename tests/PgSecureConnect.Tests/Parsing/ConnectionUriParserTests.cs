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

    private static string Format(ConnectionParameters parameters)
        => string.Join("|", parameters.Keywords.Select(k => $"{k}={parameters.ToDictionary()[k]}"));
}
