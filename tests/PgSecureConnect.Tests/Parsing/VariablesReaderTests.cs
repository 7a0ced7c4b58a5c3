using Npgsql;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>Discrete variables, through the public <see cref="ConnectionSettings.FromVariables"/> and <see cref="ConnectionFactory.FromVariables"/>.</summary>
public class VariablesReaderTests
{
    private static ConnectionSettings Read(params (string Name, string? Value)[] variables)
        => ConnectionSettings.FromVariables(variables.ToDictionary(v => v.Name, v => v.Value));

    [Fact]
    public void Reads_the_tutorial_variables()
    {
        var settings = Read(("DB_HOST", "db.internal"), ("DB_PORT", "6432"), ("DB_NAME", "orders"), ("DB_USER", "app"), ("DB_PASSWORD", "s3cret"));

        settings.Servers.Should().Equal(new ServerEndpoint("db.internal", 6432));
        settings.Database.Should().Be("orders");
        settings.Username.Should().Be("app");
        settings.Password.Should().Be("s3cret");
        settings.GetSource("host").Should().Be(new SettingSource(SettingSourceKind.Variables, "DB_HOST"));
    }

    [Theory]
    [InlineData("DB_SSLMODE", "verify-full", "sslmode")]
    [InlineData("DB_SSLROOTCERT", "/ca.pem", "sslrootcert")]
    [InlineData("DB_SSLCERT", "/c.pem", "sslcert")]
    [InlineData("DB_SSLKEY", "/k.pem", "sslkey")]
    [InlineData("DB_SSLPASSWORD", "kp", "sslpassword")]
    [InlineData("DB_CONNECT_TIMEOUT", "5", "connect_timeout")]
    [InlineData("DB_APPLICATION_NAME", "api", "application_name")]
    [InlineData("DB_TARGET_SESSION_ATTRS", "read-write", "target_session_attrs")]
    [InlineData("DB_CHANNEL_BINDING", "require", "channel_binding")]
    [InlineData("DB_LOAD_BALANCE_HOSTS", "random", "load_balance_hosts")]
    [InlineData("DB_OPTIONS", "-c work_mem=64MB", "options")]
    [InlineData("DB_SCHEMA", "sales", "schema")]
    [InlineData("DB_POOL_MIN_SIZE", "1", "pool_min_conns")]
    [InlineData("DB_POOL_MAX_SIZE", "20", "pool_max_conns")]
    [InlineData("DB_POOL_IDLE_LIFETIME", "60", "pool_max_conn_idle_time")]
    [InlineData("DB_POOL_MAX_LIFETIME", "3600", "pool_max_conn_lifetime")]
    [InlineData("DB_POOL_TIMEOUT", "15", "pool_timeout")]
    [InlineData("DB_PGBOUNCER", "true", "pgbouncer")]
    [InlineData("PGHOST", "h", "host")]
    [InlineData("PGPORT", "7", "port")]
    [InlineData("PGDATABASE", "d", "dbname")]
    [InlineData("PGUSER", "u", "user")]
    [InlineData("PGPASSWORD", "p", "password")]
    [InlineData("PGSSLMODE", "require", "sslmode")]
    [InlineData("PGSSLROOTCERT", "/ca.pem", "sslrootcert")]
    [InlineData("PGCONNECT_TIMEOUT", "5", "connect_timeout")]
    [InlineData("PGAPPNAME", "api", "application_name")]
    [InlineData("PGTARGETSESSIONATTRS", "primary", "target_session_attrs")]
    [InlineData("PGCHANNELBINDING", "prefer", "channel_binding")]
    [InlineData("PGOPTIONS", "-c x=y", "options")]
    [InlineData("PGSSLCERT", "/c.pem", "sslcert")]
    [InlineData("PGSSLKEY", "/k.pem", "sslkey")]
    [InlineData("PGGSSENCMODE", "disable", "gssencmode")]
    [InlineData("PGPASSFILE", "/pgpass", "passfile")]
    [InlineData("PGREQUIREAUTH", "scram-sha-256", "require_auth")]
    [InlineData("PGLOADBALANCEHOSTS", "disable", "load_balance_hosts")]
    public void Every_variable_sets_its_parameter(string name, string value, string keyword)
    {
        var variables = new Dictionary<string, string?> { [name] = value };

        var settings = ConnectionSettings.FromVariables(variables);

        settings.GetSource(keyword).Should().Be(new SettingSource(SettingSourceKind.Variables, name));
    }

    [Fact]
    public void Aliases_read_like_the_main_names()
    {
        var settings = Read(("DB_HOST", "h"), ("DB_DATABASE", "orders"), ("DB_USERNAME", "app"));

        settings.Database.Should().Be("orders");
        settings.Username.Should().Be("app");
    }

    [Fact]
    public void Aliases_that_disagree_are_an_error_naming_both()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DB_HOST", "h"), ("DB_NAME", "a"), ("DB_DATABASE", "b")));

        exception.Message.Should().Contain("DB_DATABASE and DB_NAME both set the dbname and disagree");
    }

    [Fact]
    public void DB_variables_win_over_libpq_variables()
    {
        var settings = Read(("DB_HOST", "from-db"), ("PGHOST", "from-pg"), ("PGUSER", "pguser"));

        settings.Servers[0].Host.Should().Be("from-db");
        settings.Username.Should().Be("pguser");
        settings.GetSource("user")!.Name.Should().Be("PGUSER");
    }

    [Theory]
    [InlineData("db1:5433,db2", null, "db1:5433,db2:5432")]
    [InlineData("db1:5433,db2", "6000", "db1:5433,db2:6000")]
    [InlineData("db1, db2 ,db3", "5433,5434,5435", "db1:5433,db2:5434,db3:5435")]
    [InlineData("[::1]:7000,::1", null, "[::1]:7000,[::1]:5432")]
    [InlineData("/var/run/postgresql", "5433", "/var/run/postgresql:5433")]
    public void DB_HOST_may_hold_a_list_with_ports(string host, string? port, string expected)
    {
        var settings = Read(("DB_HOST", host), ("DB_PORT", port));

        string.Join(",", settings.Servers).Should().Be(expected);
    }

    [Fact]
    public void DB_HOST_ports_and_a_DB_PORT_list_together_are_an_error()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DB_HOST", "db1:5433,db2"), ("DB_PORT", "1,2")));

        exception.Key.Should().Be("DB_PORT");
        exception.Message.Should().Contain("DB_HOST already gives ports");
    }

    [Fact]
    public void DATABASE_URL_alone_is_used()
    {
        var settings = Read(("DATABASE_URL", "postgresql://app:pw@db.example.com:6543/orders?sslmode=verify-full"));

        settings.Servers.Should().Equal(new ServerEndpoint("db.example.com", 6543));
        settings.GetSource("sslmode").Should().Be(new SettingSource(SettingSourceKind.Url, "sslmode", "variable DATABASE_URL"));
    }

    [Theory]
    [InlineData("DB_HOST")]
    [InlineData("DB_PORT")]
    [InlineData("DB_NAME")]
    [InlineData("DB_USER")]
    [InlineData("DB_PASSWORD")]
    public void DATABASE_URL_with_a_discrete_variable_is_an_error_naming_both(string name)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DATABASE_URL", "postgresql://h/db"), (name, "5432")));

        exception.Key.Should().Be("DATABASE_URL");
        exception.Message.Should().Contain($"DATABASE_URL and {name} are all set");
        exception.Message.Should().Contain("keep either DATABASE_URL alone or the DB_* variables without it");
    }

    [Fact]
    public void DATABASE_URL_takes_tls_variables_for_what_it_does_not_say()
    {
        var settings = Read(("DATABASE_URL", "postgresql://h/db"), ("DB_SSLROOTCERT", "/ca.pem"), ("DB_SSLMODE", "verify-full"));

        settings.SslRootCertificate.Should().Be("/ca.pem");
        settings.SslMode.Should().Be(SslMode.VerifyFull);
    }

    [Fact]
    public void DATABASE_URL_and_a_variable_that_disagree_are_an_error()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            Read(("DATABASE_URL", "postgresql://h/db?sslmode=require"), ("DB_SSLMODE", "verify-full")));

        exception.Key.Should().Be("DB_SSLMODE");
    }

    [Fact]
    public void Libpq_variables_fill_what_DATABASE_URL_does_not_say()
    {
        var settings = Read(("DATABASE_URL", "postgresql://h/db?sslmode=require"), ("PGSSLMODE", "disable"), ("PGAPPNAME", "api"));

        settings.SslMode.Should().Be(SslMode.Require);
        settings.ApplicationName.Should().Be("api");
    }

    [Fact]
    public void Unsupported_libpq_variable_is_an_error_naming_it()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DB_HOST", "h"), ("PGSERVICE", "prod")));

        exception.Key.Should().Be("PGSERVICE");
        exception.Message.Should().Contain("unset PGSERVICE");
    }

    [Fact]
    public void Nothing_found_lists_the_names_looked_for()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("HOME", "/root")));

        exception.Key.Should().Be("DATABASE_URL");
        exception.Message.Should().Contain("no PostgreSQL connection settings were found in the variables passed in. Looked for DATABASE_URL, DATABASE_URL_FILE, DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD");
    }

    [Fact]
    public void Empty_values_count_as_not_set()
    {
        var settings = Read(("DATABASE_URL", ""), ("DB_HOST", "h"), ("DB_PASSWORD", ""));

        settings.Password.Should().BeNull();
        settings.Servers[0].Host.Should().Be("h");
    }

    [Fact]
    public void Password_file_is_read_without_its_trailing_newline()
    {
        using var secret = new TempFile("s3cret with spaces\n");

        var settings = Read(("DB_HOST", "h"), ("DB_PASSWORD_FILE", secret.Path));

        settings.Password.Should().Be("s3cret with spaces");
        settings.GetSource("password").Should().Be(new SettingSource(SettingSourceKind.SecretFile, "DB_PASSWORD_FILE", secret.Path));
    }

    [Fact]
    public void Only_one_trailing_newline_is_dropped()
    {
        using var secret = new TempFile("pw\r\n\n");

        Read(("DB_HOST", "h"), ("DB_PASSWORD_FILE", secret.Path)).Password.Should().Be("pw\r\n");
    }

    [Fact]
    public void Url_file_is_read()
    {
        using var secret = new TempFile("postgresql://app:pw@db.example.com/orders\n");

        var settings = Read(("DATABASE_URL_FILE", secret.Path));

        settings.Password.Should().Be("pw");
        settings.GetSource("password")!.Location.Should().Be($"file {secret.Path} (named by DATABASE_URL_FILE)");
    }

    [Fact]
    public void Value_and_file_together_are_an_error()
    {
        using var secret = new TempFile("pw");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DB_HOST", "h"), ("DB_PASSWORD", "x"), ("DB_PASSWORD_FILE", secret.Path)));

        exception.Key.Should().Be("DB_PASSWORD");
        exception.Message.Should().Contain("both DB_PASSWORD (variable DB_PASSWORD) and DB_PASSWORD_FILE (variable DB_PASSWORD_FILE) are set");
    }

    [Fact]
    public void Missing_secret_file_names_variable_and_path()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Read(("DB_HOST", "h"), ("DB_PASSWORD_FILE", "/run/secrets/nope")));

        exception.Message.Should().Be(
            "The PostgreSQL connection settings are invalid: variable DB_PASSWORD_FILE: DB_PASSWORD_FILE names the file '/run/secrets/nope', which does not exist; mount the secret there or fix the path");
    }

    [Fact]
    public void Prefix_selects_one_database_and_ignores_shared_libpq_variables()
    {
        var variables = new Dictionary<string, string?>
        {
            ["ORDERS_DB_HOST"] = "orders-db",
            ["ORDERS_DB_NAME"] = "orders",
            ["DB_HOST"] = "other-db",
            ["PGUSER"] = "shared",
        };

        using var factory = ConnectionFactory.FromVariables(variables, new ConnectionFactoryOptions { VariablePrefix = "ORDERS_", SslPolicy = SslPolicy.AllowInsecure });

        factory.Settings.Servers[0].Host.Should().Be("orders-db");
        factory.Settings.Username.Should().BeNull();
        factory.Settings.GetSource("host")!.Name.Should().Be("ORDERS_DB_HOST");
        factory.Should().BeOfType<VariablesConnectionFactory>();
    }

    [Fact]
    public void Prefixed_url_conflicts_name_the_prefixed_variables()
    {
        var variables = new Dictionary<string, string?> { ["ORDERS_DATABASE_URL"] = "postgresql://h/db", ["ORDERS_DB_USER"] = "x" };

        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionFactory.FromVariables(variables, new ConnectionFactoryOptions { VariablePrefix = "ORDERS_" }));

        exception.Message.Should().Contain("ORDERS_DATABASE_URL and ORDERS_DB_USER are all set");
    }

    [Fact]
    public void Url_variables_make_a_url_factory_and_discrete_ones_a_variables_factory()
    {
        using var url = ConnectionFactory.FromVariables(new Dictionary<string, string?> { ["DATABASE_URL"] = "postgresql://localhost/db" });
        using var discrete = ConnectionFactory.FromVariables(new Dictionary<string, string?> { ["DB_HOST"] = "localhost" });

        url.Should().BeOfType<UrlConnectionFactory>();
        discrete.Should().BeOfType<VariablesConnectionFactory>();
    }
}
