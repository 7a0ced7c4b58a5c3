using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class ConnectionStringReaderTests
{
    [Theory]
    [InlineData("", "url: is empty; give a postgresql://user:password@host:5432/dbname URL")]
    [InlineData("  ", "url: is empty; give a postgresql://user:password@host:5432/dbname URL")]
    [InlineData("host=h\0", "url: contains a NUL character (U+0000), which PostgreSQL connection parameters cannot hold")]
    [InlineData("postgresql://h/\0", "url: contains a NUL character (U+0000), which PostgreSQL connection parameters cannot hold")]
    [InlineData("mysql://h/db", "url: the URL scheme 'mysql://' is not a PostgreSQL scheme; use postgresql:// or postgres://")]
    [InlineData("db.example.com", "url: is neither a postgresql:// URL nor a keyword=value connection string; write it as postgresql://user:password@host:5432/dbname (percent-encode special characters in the password)")]
    public void Reports_what_is_not_a_connection_string(string text, string expected)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionStringReader.Read(text, "url", null));

        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(expected);
    }

    [Theory]
    [InlineData("postgresql://h1/db", "h1")]
    [InlineData("Host=h2;Database=db", "h2")]
    [InlineData("host=h3 dbname=db", "h3")]
    public void Reads_each_form(string text, string host)
    {
        var settings = ConnectionStringReader.Read(text, "url", null);

        settings.Servers.Should().Equal(new ServerEndpoint(host, 5432));
        settings.Database.Should().Be("db");
    }
}
