using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>
/// Regression tests for what the coverage-guided fuzzer (tests/PgSecureConnect.Fuzz, tools/fuzz.sh) found. Each input
/// is the finding as the harness printed it; the committed finding files are replayed by
/// <see cref="FuzzCorpusReplayTests"/> too.
/// </summary>
public class FuzzFindingTests
{
    private const string Password = "S3nt1nel&Pa55w0rd";

    /// <summary>
    /// A query string with an '@' before the host makes libpq read the rest as the host; the host was quoted in the
    /// message, and with it the unencoded password of the query string.
    /// </summary>
    [Fact]
    public void Password_after_an_at_sign_in_the_query_is_not_quoted_as_the_host()
    {
        var read = () => ConnectionSettings.FromUrl($"postgresql://h:5432?application_name=a@b&password={Password}");

        var problem = read.Should().Throw<ConnectionConfigurationException>().Which.Problems.Should().ContainSingle(p => p.Key == "host").Subject;
        problem.Message.Should().StartWith("the value of host contains a password assignment ('password=', not shown)");
        AssertNoPieceOfThePassword(read);
    }

    /// <summary>An escaped space (libpq keeps it) made the host swallow the password that follows; the host was quoted.</summary>
    [Fact]
    public void Password_swallowed_by_a_host_through_an_escaped_space_is_not_quoted()
    {
        var read = () => ConnectionSettings.FromUrl("host=h\\ password=S3nt1nel@/?#:%Pa55w0rd");

        read.Should().Throw<ConnectionConfigurationException>().Which.Problems.Should().ContainSingle(p => p.Key == "host");
        AssertNoPieceOfThePassword(read, "S3nt1nel@/?#:%Pa55w0rd");
    }

    /// <summary>
    /// A keyword/value string pasted after a scheme, an '@' in a query string (libpq's host starts after it), or a
    /// password swallowed by an Npgsql <c>Host=h:port</c>: the port was cut from the password and quoted.
    /// </summary>
    [Theory]
    [InlineData("postgres:// password=S3nt1nel:Pa55w0rd")]
    [InlineData("postgresql://h?sslmode=disable&ss@l=true&password=S3nt1nel:Pa55w0rd")]
    [InlineData("Host=db.example.com password=S3nt1nel:Pa55w0rd;Database=orders")]
    public void Password_read_as_host_and_port_is_not_quoted(string url)
    {
        var read = () => ConnectionSettings.FromUrl(url);

        read.Should().Throw<ConnectionConfigurationException>().Which.Problems.Should().Contain(p => p.Key.Equals("host", StringComparison.OrdinalIgnoreCase));
        AssertNoPieceOfThePassword(read, "S3nt1nel:Pa55w0rd");
    }

    /// <summary>
    /// libpq reads <c>dbname= password=x</c> as the database name <c>password=x</c> and sends it to the server, which
    /// quotes it back in "database does not exist". Refused here, without quoting it.
    /// </summary>
    [Theory]
    [InlineData("dbname= password=S3nt1nel&Pa55w0rd host=db.example.com", "dbname")]
    [InlineData("host=db.example.com user= password=S3nt1nel&Pa55w0rd", "user")]
    [InlineData("postgresql://db.example.com/orders?application_name=api%20password%3DS3nt1nel%26Pa55w0rd", "application_name")]
    [InlineData("Host=db.example.com;Database=\"orders;Password=S3nt1nel&Pa55w0rd\"", "dbname")]
    [InlineData("Host=db.example.com;Database='orders;PWD = S3nt1nel&Pa55w0rd'", "dbname")]
    [InlineData("host=db.example.com options='-c x=1 sslpassword=S3nt1nel&Pa55w0rd'", "options")]
    [InlineData("Host=db.example.com,Password=S3nt1nel&Pa55w0rd;Username=app", "host")]
    [InlineData("host=db.example.com,password=S3nt1nel&Pa55w0rd", "host")]
    [InlineData("postgresql://app@db.example.com:password=S3nt1nel&Pa55w0rd/orders", "port")]
    public void A_setting_that_swallowed_a_password_is_refused_without_quoting_it(string text, string key)
    {
        var read = () => ConnectionSettings.FromUrl(text);

        read.Should().Throw<ConnectionConfigurationException>().Which.Problems.Should().ContainSingle(p => p.Key == key)
            .Which.Message.Should().Contain("swallow a password");
        AssertNoPieceOfThePassword(read);
    }

    /// <summary>
    /// An unquoted ';' cut the password, and a later empty <c>Password=</c> made DbConnectionStringBuilder drop the key: the
    /// password's tail was quoted as an unknown keyword.
    /// </summary>
    [Fact]
    public void Password_tail_cut_at_a_semicolon_is_not_quoted_when_a_later_empty_password_drops_the_key()
    {
        var read = () => ConnectionSettings.FromUrl("password=S3nt1nel;Pa55w0rd=54;Username=app;Password=");

        read.Should().Throw<ConnectionConfigurationException>();
        AssertNoPieceOfThePassword(read, "S3nt1nel;Pa55w0rd");
    }

    /// <summary>DotNetEnv threw OverflowException on an octal escape above \377 in a double-quoted .env value.</summary>
    [Fact]
    public void Env_file_with_an_octal_escape_out_of_range_is_a_configuration_error()
    {
        using var file = new TempFile("DB_HOST=db.example.com\nDB_PASSWORD=\"S3nt1nel\\777Pa55w0rd\"\n", ".env");

        var read = () => SettingsSources.FromEnvironment(new ConnectionFactoryOptions { EnvFilePath = file.Path }, new Dictionary<string, string?>(), file.Directory);

        var problem = read.Should().Throw<ConnectionConfigurationException>().Which.Problems.Should().ContainSingle().Subject;
        problem.Key.Should().Be(".env");
        problem.Message.Should().Be($"{file.Path} cannot be parsed: a double-quoted value holds an escape sequence that cannot be decoded (an octal \\NNN above \\377, say); " +
            "write literal text in single quotes (KEY='a\\b') or escape the backslash (\\\\)");
    }

    /// <summary>Words that only contain a password keyword are ordinary values.</summary>
    [Theory]
    [InlineData("host=db.example.com options='-c password_encryption=scram-sha-256'")]
    [InlineData("host=db.example.com application_name=mypassword=1")]
    [InlineData("host=db.example.com dbname=passwords")]
    public void A_value_that_merely_mentions_a_password_is_accepted(string text)
        => ConnectionSettings.FromUrl(text).Servers.Should().ContainSingle();

    private static void AssertNoPieceOfThePassword(Func<ConnectionSettings> read, string password = Password)
    {
        var e = read.Should().Throw<ConnectionConfigurationException>().Which;
        foreach (var piece in new[] { password[..8], password[^8..] })
        {
            e.ToString().Should().NotContain(piece);
            e.Problems.Should().NotContain(p => p.ToString().Contains(piece, StringComparison.OrdinalIgnoreCase));
        }
    }
}
