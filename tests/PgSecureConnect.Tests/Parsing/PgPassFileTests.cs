using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>The libpq password file rules, https://www.postgresql.org/docs/current/libpq-pgpass.html.</summary>
public class PgPassFileTests
{
    [Theory]
    [InlineData("h:5432:db:u:pw", "pw")]
    [InlineData("h:5432:db:u:pw\r\n", "pw")]
    [InlineData("\n\nh:5432:db:u:pw\n", "pw")]
    [InlineData("#h:5432:db:u:comment\nh:5432:db:u:pw", "pw")]
    [InlineData("h:5432:db:u\nh:5432:db:u:pw", "pw")]
    [InlineData("*:*:*:*:pw", "pw")]
    [InlineData("other:5432:db:u:wrong\nh:5432:db:u:pw", "pw")]
    [InlineData("h:5433:db:u:wrong\nh:5432:db:u:pw", "pw")]
    [InlineData("h:5432:other:u:wrong\nh:5432:db:u:pw", "pw")]
    [InlineData("h:5432:db:other:wrong\nh:5432:db:u:pw", "pw")]
    [InlineData("h:*:db:u:pw", "pw")]
    [InlineData("h:5432:*:u:pw", "pw")]
    [InlineData("h:5432:db:*:pw", "pw")]
    [InlineData("h:5432:db:u:first\nh:5432:db:u:second", "first")]
    [InlineData("h:5432:db:u:a:b:c", "a:b:c")]
    [InlineData("h:5432:db:u:a\\:b", "a:b")]
    [InlineData("h:5432:db:u:p\\\\w", "p\\w")]
    [InlineData("h:5432:db:u:pw\\", "pw\\")]
    [InlineData("h:5432:db:u:", "")]
    [InlineData(":5432:db:u:wrong", null)]
    [InlineData("h:5432:db:u", null)]
    [InlineData("#h:5432:db:u:pw", null)]
    [InlineData("H:5432:db:u:pw", null)]
    [InlineData("", null)]
    public void Finds_the_first_matching_line(string text, string? expected)
        => PgPassFile.FindPassword(text, "h", 5432, "db", "u").Should().Be(expected);

    [Theory]
    [InlineData("h\\:x:5432:db:u:pw", "h:x", "pw")]
    [InlineData("localhost:5432:db:u:pw", "/var/run/postgresql", "pw")]
    [InlineData("/var/run/postgresql:5432:db:u:pw", "/var/run/postgresql", null)]
    [InlineData("localhost:5432:db:u:pw", "localhost", "pw")]
    [InlineData("localhost:5432:db:u:pw", "127.0.0.1", null)]
    [InlineData("#h:5432:db:u:pw", "#h", null)]
    public void Matches_the_host_with_escapes_and_sockets_as_localhost(string text, string host, string? expected)
        => PgPassFile.FindPassword(text, host, 5432, "db", "u").Should().Be(expected);

    [Theory]
    [InlineData("h:5432:u:u:pw", "pw")]
    [InlineData("h:5432:db:u:pw", null)]
    public void Without_a_database_the_user_name_is_the_database(string text, string? expected)
        => PgPassFile.FindPassword(text, "h", 5432, null, "u").Should().Be(expected);
}
