using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class NpgsqlConnectionStringReaderTests
{
    private const string Sentinel = "S3nt1nel-Pa55w0rd";

    [Theory]
    [InlineData("Host", "db1", "host", "db1")]
    [InlineData("Server", "db1", "host", "db1")]
    [InlineData("Port", "5433", "port", "5433")]
    [InlineData("Database", "orders", "dbname", "orders")]
    [InlineData("DB", "orders", "dbname", "orders")]
    [InlineData("Username", "app", "user", "app")]
    [InlineData("User", "app", "user", "app")]
    [InlineData("User ID", "app", "user", "app")]
    [InlineData("UserId", "app", "user", "app")]
    [InlineData("UID", "app", "user", "app")]
    [InlineData("Password", Sentinel, "password", Sentinel)]
    [InlineData("PSW", Sentinel, "password", Sentinel)]
    [InlineData("PWD", Sentinel, "password", Sentinel)]
    [InlineData("Passfile", "/run/pgpass", "passfile", "/run/pgpass")]
    [InlineData("Root Certificate", "/certs/ca.pem", "sslrootcert", "/certs/ca.pem")]
    [InlineData("SSL Certificate", "/certs/client.pem", "sslcert", "/certs/client.pem")]
    [InlineData("SSL Key", "/certs/client.key", "sslkey", "/certs/client.key")]
    [InlineData("SSL Password", Sentinel, "sslpassword", Sentinel)]
    [InlineData("SSL Negotiation", "Direct", "sslnegotiation", "direct")]
    [InlineData("Channel Binding", "Require", "channel_binding", "require")]
    [InlineData("GSS Encryption Mode", "Prefer", "gssencmode", "prefer")]
    [InlineData("Kerberos Service Name", "postgres", "krbsrvname", "postgres")]
    [InlineData("Krbsrvname", "postgres", "krbsrvname", "postgres")]
    [InlineData("Application Name", "Orders API", "application_name", "Orders API")]
    [InlineData("Timeout", "15", "connect_timeout", "15")]
    [InlineData("Options", "-c statement_timeout=5s", "options", "-c statement_timeout=5s")]
    [InlineData("Search Path", "app", "schema", "app")]
    [InlineData("Client Encoding", "UTF8", "client_encoding", "UTF8")]
    [InlineData("Minimum Pool Size", "2", "pool_min_conns", "2")]
    [InlineData("MinPoolSize", "2", "pool_min_conns", "2")]
    [InlineData("Maximum Pool Size", "20", "pool_max_conns", "20")]
    [InlineData("MaxPoolSize", "20", "pool_max_conns", "20")]
    [InlineData("Connection Idle Lifetime", "300", "pool_max_conn_idle_time", "300")]
    [InlineData("Connection Lifetime", "3600", "pool_max_conn_lifetime", "3600")]
    [InlineData("Load Balance Timeout", "3600", "pool_max_conn_lifetime", "3600")]
    [InlineData("Tcp Keepalive Time", "60", "keepalives_idle", "60")]
    [InlineData("Tcp Keepalive Interval", "10", "keepalives_interval", "10")]
    public void Maps_each_Npgsql_keyword_to_its_libpq_keyword(string npgsqlKey, string value, string libpqKeyword, string expected)
    {
        var problems = new ProblemList();
        var parameters = NpgsqlConnectionStringReader.Parse($"{npgsqlKey}={value}", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.ToDictionary().Should().Equal(new Dictionary<string, string> { [libpqKeyword] = expected });
    }

    [Theory]
    [InlineData("SSL Mode", "VerifyCA", "sslmode", "verify-ca")]
    [InlineData("SSL Mode", "VerifyFull", "sslmode", "verify-full")]
    [InlineData("SSL Mode", "verify_full", "sslmode", "verify-full")]
    [InlineData("SSL Mode", "Require", "sslmode", "require")]
    [InlineData("Target Session Attributes", "ReadWrite", "target_session_attrs", "read-write")]
    [InlineData("Target Session Attributes", "ReadOnly", "target_session_attrs", "read-only")]
    [InlineData("Target Session Attributes", "PreferStandby", "target_session_attrs", "prefer-standby")]
    [InlineData("Target Session Attributes", "PreferPrimary", "target_session_attrs", "prefer-primary")]
    [InlineData("Target Session Attributes", "Standby", "target_session_attrs", "standby")]
    [InlineData("Load Balance Hosts", "true", "load_balance_hosts", "random")]
    [InlineData("Load Balance Hosts", "Yes", "load_balance_hosts", "random")]
    [InlineData("Load Balance Hosts", "1", "load_balance_hosts", "random")]
    [InlineData("Load Balance Hosts", "false", "load_balance_hosts", "disable")]
    [InlineData("Load Balance Hosts", "no", "load_balance_hosts", "disable")]
    [InlineData("Tcp Keepalive", "True", "keepalives", "1")]
    [InlineData("Tcp Keepalive", "yes", "keepalives", "1")]
    [InlineData("Tcp Keepalive", "1", "keepalives", "1")]
    [InlineData("Tcp Keepalive", "False", "keepalives", "0")]
    [InlineData("Tcp Keepalive", "0", "keepalives", "0")]
    [InlineData("Require Auth", "ScramSha256", "require_auth", "scram-sha-256")]
    [InlineData("Require Auth", "ScramSha256, Password", "require_auth", "scram-sha-256,password")]
    [InlineData("Require Auth", "!MD5,!ScramSha256", "require_auth", "!md5,!scram-sha-256")]
    [InlineData("Require Auth", " !Password ", "require_auth", "!password")]
    public void Translates_Npgsql_enum_spellings_to_libpq_values(string npgsqlKey, string value, string libpqKeyword, string expected)
    {
        var problems = new ProblemList();
        var parameters = NpgsqlConnectionStringReader.Parse($"Host=h1;{npgsqlKey}={value}", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.ToDictionary().Should().Equal(new Dictionary<string, string> { ["host"] = "h1", [libpqKeyword] = expected });
    }

    [Fact]
    public void Persist_Security_Info_is_accepted_and_dropped()
    {
        var problems = new ProblemList();
        var parameters = NpgsqlConnectionStringReader.Parse("Host=h1;Persist Security Info=true", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.ToDictionary().Should().Equal(new Dictionary<string, string> { ["host"] = "h1" });
    }

    [Fact]
    public void Host_with_embedded_ports_moves_them_to_the_port_list()
    {
        var problems = new ProblemList();
        var parameters = NpgsqlConnectionStringReader.Parse("Port=5432;Host=db1:5433,db2;Database=orders", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        parameters.ToDictionary().Should().Equal(new Dictionary<string, string>
        {
            ["port"] = "5433,5432",
            ["host"] = "db1,db2",
            ["dbname"] = "orders",
        });
    }

    [Theory]
    [InlineData("Host=a;Database=b", true)]
    [InlineData(";Host=a", true)]
    [InlineData("Host=a;", true)]
    [InlineData("host=a", false)]
    [InlineData("host='a;b'", false)]
    [InlineData("Host=\"a;b\"", false)]
    [InlineData("Password=\"a;b\";Host=h", true)]
    [InlineData("host=a port=5;x", false)]
    [InlineData("host = a  port = 5 ; x", false)]
    [InlineData("Application Name=a b;Host=h", true)]
    public void Recognises_Npgsql_connection_strings(string text, bool expected)
        => NpgsqlConnectionStringReader.LooksLikeNpgsqlForm(text).Should().Be(expected);

    [Fact]
    public void Malformed_string_is_reported_with_the_fix()
    {
        var problems = new ProblemList();
        var origin = new SettingSource(SettingSourceKind.EnvironmentVariable, "DATABASE_URL");
        var parameters = NpgsqlConnectionStringReader.Parse("Host=a;Database", "DATABASE_URL", origin, problems);

        parameters.Count.Should().Be(0);
        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "DATABASE_URL",
            origin,
            "is not a valid Npgsql connection string (Key=Value pairs separated by ';'; quote values that contain ';' with double quotes)"));
    }

    [Fact]
    public void Values_name_the_Npgsql_keyword_and_the_place_of_the_string()
    {
        var origin = new SettingSource(SettingSourceKind.Configuration, "ConnectionStrings:Default");
        var problems = new ProblemList();

        var fromOrigin = NpgsqlConnectionStringReader.Parse("Server=h1;Port=5433", "ConnectionStrings:Default", origin, problems);
        var fromKey = NpgsqlConnectionStringReader.Parse("Server=h1;Port=5433", "DB_URL", null, problems);
        var fromUrl = NpgsqlConnectionStringReader.Parse("Server=h1;Port=5433", "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        fromOrigin.TryGet("host", out var host).Should().BeTrue();
        host.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "server", "configuration key ConnectionStrings:Default"));
        fromKey.TryGet("port", out var port).Should().BeTrue();
        port.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "port", "DB_URL"));
        fromUrl.TryGet("host", out var urlHost).Should().BeTrue();
        urlHost.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "server", null));
    }

    [Fact]
    public void Unknown_keyword_is_named_when_no_password_is_in_the_string()
    {
        var problems = new ProblemList();
        NpgsqlConnectionStringReader.Parse("Host=h1;Hots=h2", "url", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "hots", null, "'hots' is not an Npgsql connection string keyword"));
    }

    [Theory]
    [InlineData("Password=" + Sentinel + ";Host=h1;Bogus=1")]
    [InlineData("Host=h1;Pass Word=" + Sentinel + ";Bogus=1")]
    [InlineData("Host=h1;SSL Password=" + Sentinel + ";Bogus=1")]
    public void Unknown_keyword_is_not_shown_when_the_string_holds_a_password(string text)
    {
        var problems = new ProblemList();
        NpgsqlConnectionStringReader.Parse(text, "DB_URL", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "DB_URL",
            null,
            "holds a keyword that is not an Npgsql connection string keyword (not shown, since it may be part of the password); quote values that contain ';' with double quotes: Password=\"a;b\""));
        exception.Message.Should().NotContain(Sentinel).And.NotContainEquivalentOf("bogus");
    }

    [Fact]
    public void Npgsql_setting_without_libpq_equivalent_points_to_ConfigureDataSource()
    {
        var problems = new ProblemList();
        NpgsqlConnectionStringReader.Parse("Host=h1;Pooling=false", "url", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "pooling",
            null,
            "the Npgsql setting 'pooling' has no libpq equivalent and is not read from connection strings here; set it in code with ConnectionFactoryOptions.ConfigureDataSource (builder => builder.ConnectionStringBuilder...)"));
    }
}
