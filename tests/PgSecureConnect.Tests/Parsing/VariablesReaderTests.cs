using Npgsql;
using PgSecureConnect.Parsing;

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

    private const string Sentinel = "S3nt1nel-Pa55w0rd";

    private static VariablesReadResult ReadInternal(
        IReadOnlyDictionary<string, string?> variables,
        string? prefix = null,
        Func<string, string>? readFile = null,
        (string Key, string Value, SettingSource Source)? connectionString = null)
        => VariablesReader.Read(VariableSource.FromDictionary(variables, SettingSourceKind.Variables), prefix, readFile, connectionString);

    private static string[] ProblemsOf(Action read)
        => Assert.Throws<ConnectionConfigurationException>(read).Problems.Select(p => $"{p.Key}: {p.Message}").ToArray();

    [Theory]
    [InlineData("pw\r\n", "pw")]
    [InlineData("pw\n", "pw")]
    [InlineData("pw", "pw")]
    [InlineData("pw\n\n", "pw\n")]
    [InlineData("pw\r", "pw\r")]
    public void Secret_file_content_loses_one_trailing_newline(string content, string expected)
    {
        var result = ReadInternal(
            new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_PASSWORD_FILE"] = "/run/secrets/db" },
            readFile: path => path == "/run/secrets/db" ? content : throw new FileNotFoundException());

        result.Settings.GetPassword().Should().Be(expected);
        result.Settings.GetSource("password").Should().Be(new SettingSource(SettingSourceKind.SecretFile, "DB_PASSWORD_FILE", "/run/secrets/db"));
        result.FromUrl.Should().BeFalse();
    }

    [Theory]
    [InlineData("unauthorized", "cannot be read by this process (check its permissions)")]
    [InlineData("io", "cannot be read (IOException)")]
    [InlineData("directory", "does not exist")]
    [InlineData("secret", "is empty")]
    [InlineData("unsupported", "cannot be read (NotSupportedException)")]
    public void Unreadable_secret_file_says_why(string failure, string reason)
    {
        Func<string, string> readFile = _ => throw (failure switch
        {
            "unauthorized" => new UnauthorizedAccessException(),
            "io" => new IOException(),
            "directory" => new DirectoryNotFoundException(),
            "secret" => new SecretFileException("is empty"),
            _ => (Exception)new NotSupportedException(),
        });

        ProblemsOf(() => ReadInternal(new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_PASSWORD_FILE"] = "/run/secrets/db" }, readFile: readFile))
            .Should().Equal($"DB_PASSWORD_FILE: DB_PASSWORD_FILE names the file '/run/secrets/db', which {reason}; mount the secret there or fix the path");
    }

    [Fact]
    public void A_connection_string_and_DATABASE_URL_together_are_an_error()
    {
        var origin = new SettingSource(SettingSourceKind.Configuration, "ConnectionStrings:Default");

        ProblemsOf(() => ReadInternal(
                new Dictionary<string, string?> { ["DATABASE_URL"] = "postgresql://h2/db" },
                connectionString: ("ConnectionStrings:Default", "Host=h1;Database=db", origin)))
            .Should().Equal("ConnectionStrings:Default: ConnectionStrings:Default and DATABASE_URL are all set, so it is unclear which to use (variable DATABASE_URL); keep either ConnectionStrings:Default alone or the DB_* variables without it");
    }

    [Fact]
    public void DATABASE_URL_with_several_discrete_variables_names_them_all_once()
        => ProblemsOf(() => ReadInternal(new Dictionary<string, string?>
            {
                ["DATABASE_URL"] = "postgresql://h1/db",
                ["DB_HOST"] = "h2",
                ["DB_NAME"] = "other",
            }))
            .Should().Equal("DATABASE_URL: DATABASE_URL and DB_HOST, DB_NAME are all set, so it is unclear which to use (variable DB_HOST, variable DB_NAME); keep either DATABASE_URL alone or the DB_* variables without it");

    [Fact]
    public void DATABASE_URL_and_a_disagreeing_variable_name_the_parameter()
        => ProblemsOf(() => ReadInternal(new Dictionary<string, string?>
            {
                ["DATABASE_URL"] = "postgresql://h/db?sslmode=require",
                ["DB_SSLMODE"] = "verify-full",
            }))
            .Should().Equal("DB_SSLMODE: DB_SSLMODE and the sslmode parameter of DATABASE_URL disagree; keep one of them");

    [Fact]
    public void Disagreeing_aliases_keep_the_first_value()
    {
        var problems = ProblemsOf(() => ReadInternal(new Dictionary<string, string?>
        {
            ["DB_HOST"] = "h",
            ["DB_NAME"] = "orders",
            ["DB_DATABASE"] = "password=" + Sentinel,
        }));

        problems.Should().Equal("DB_DATABASE: DB_DATABASE and DB_NAME both set the dbname and disagree (variable DB_NAME); keep one of them");
        string.Join("\n", problems).Should().NotContain(Sentinel);
    }

    [Theory]
    [InlineData(null, " and the libpq PG* variables (PGHOST, PGDATABASE, PGUSER, ...)")]
    [InlineData("ORDERS_", "")]
    public void Nothing_found_lists_every_name_looked_for(string? prefix, string libpqPart)
    {
        var p = prefix ?? string.Empty;

        ProblemsOf(() => ReadInternal(new Dictionary<string, string?> { ["HOME"] = "/root" }, prefix))
            .Should().Equal(
                $"{p}DATABASE_URL: no PostgreSQL connection settings were found in the variables passed in. Looked for {p}DATABASE_URL, {p}DATABASE_URL_FILE, " +
                $"{p}DB_HOST, {p}DB_PORT, {p}DB_NAME, {p}DB_USER, {p}DB_PASSWORD (and {p}DB_PASSWORD_FILE){libpqPart}. " +
                $"Set {p}DATABASE_URL=postgresql://user:password@host:5432/dbname, or {p}DB_HOST, {p}DB_NAME, {p}DB_USER and {p}DB_PASSWORD, in the environment or in a .env file");
    }

    [Theory]
    [InlineData("DB_HOST", "h", null, true)]
    [InlineData("DATABASE_URL", "postgresql://h/db", null, true)]
    [InlineData("PGHOST", "h", null, true)]
    [InlineData("ORDERS_DB_HOST", "h", "ORDERS_", false)]
    public void Home_pgpass_and_client_certificate_are_used_without_a_prefix(string name, string value, string? prefix, bool expected)
    {
        var home = Directory.CreateTempSubdirectory("pgsecure-tests-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(home, ".pgpass"), "*:*:*:*:x\n");
            Directory.CreateDirectory(Path.Combine(home, ".postgresql"));
            File.WriteAllText(Path.Combine(home, ".postgresql", "postgresql.crt"), "c");
            File.WriteAllText(Path.Combine(home, ".postgresql", "postgresql.key"), "k");

            // With a prefix, ORDERS_HOME is set as well: the files stay out because of the prefix, not for want of a home.
            var settings = ReadInternal(new Dictionary<string, string?> { [name] = value, ["HOME"] = home, [prefix + "HOME"] = home }, prefix).Settings;

            if (expected)
            {
                settings.Passfile.Should().Be(Path.Combine(home, ".pgpass"));
                settings.GetSource("passfile").Should().Be(new SettingSource(SettingSourceKind.Default, "passfile", "libpq default ~/.pgpass"));
                settings.SslCertificate.Should().Be(Path.Combine(home, ".postgresql", "postgresql.crt"));
                settings.SslKey.Should().Be(Path.Combine(home, ".postgresql", "postgresql.key"));
            }
            else
            {
                settings.Passfile.Should().BeNull();
                settings.SslCertificate.Should().BeNull();
                settings.SslKey.Should().BeNull();
            }
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void Home_pgpass_is_not_used_when_a_password_is_given()
    {
        var home = Directory.CreateTempSubdirectory("pgsecure-tests-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(home, ".pgpass"), "*:*:*:*:x\n");

            var settings = ReadInternal(new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_PASSWORD"] = Sentinel, ["HOME"] = home }).Settings;

            settings.Passfile.Should().BeNull();
            settings.SslCertificate.Should().BeNull();
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("DB_HOST")]
    [InlineData("DB_PORT")]
    [InlineData("DB_NAME")]
    [InlineData("DB_DATABASE")]
    [InlineData("DB_USER")]
    [InlineData("DB_USERNAME")]
    [InlineData("DB_PASSWORD")]
    public void Each_server_variable_conflicts_with_DATABASE_URL(string name)
        => ProblemsOf(() => ReadInternal(new Dictionary<string, string?> { ["DATABASE_URL"] = "postgresql://h/db", [name] = "5432" }))
            .Should().Equal($"DATABASE_URL: DATABASE_URL and {name} are all set, so it is unclear which to use (variable {name}); keep either DATABASE_URL alone or the DB_* variables without it");

    [Theory]
    [InlineData("DB_USER", "user")]
    [InlineData("DB_PASSWORD", "password")]
    [InlineData("DB_SSLPASSWORD", "sslpassword")]
    [InlineData("PGPASSWORD", "password")]
    public void Secret_capable_variables_read_their_FILE_variant(string name, string keyword)
    {
        var result = ReadInternal(
            new Dictionary<string, string?> { ["DB_HOST"] = "h", [name + "_FILE"] = "/run/secrets/x" },
            readFile: _ => "from-file\n");

        result.Settings.GetSource(keyword).Should().Be(new SettingSource(SettingSourceKind.SecretFile, name + "_FILE", "/run/secrets/x"));
    }

    [Fact]
    public void DATABASE_URL_FILE_is_read_and_remembered_for_reloading()
    {
        var result = ReadInternal(
            new Dictionary<string, string?> { ["DATABASE_URL_FILE"] = "/run/secrets/url" },
            readFile: _ => "postgresql://app@h/db\n");

        result.FromUrl.Should().BeTrue();
        result.Settings.Servers.Should().Equal(new ServerEndpoint("h", 5432));
        result.Settings.Username.Should().Be("app");
    }

    [Fact]
    public void Non_secret_variables_have_no_FILE_variant()
        => ProblemsOf(() => ReadInternal(new Dictionary<string, string?> { ["DB_HOST_FILE"] = "/run/secrets/x" }, readFile: _ => "h"))
            .Should().ContainSingle().Which.Should().StartWith("DATABASE_URL: no PostgreSQL connection settings were found");

    [Fact]
    public void DATABASE_URL_and_a_variable_that_agree_keep_the_url_as_the_source()
    {
        var settings = ReadInternal(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://h/db?sslmode=require",
            ["DB_SSLMODE"] = "require",
        }).Settings;

        settings.SslMode.Should().Be(SslMode.Require);
        settings.GetSource("sslmode").Should().Be(new SettingSource(SettingSourceKind.Url, "sslmode", "variable DATABASE_URL"));
    }

    [Fact]
    public void Aliases_that_agree_are_accepted()
        => ReadInternal(new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_NAME"] = "orders", ["DB_DATABASE"] = "orders" })
            .Settings.Database.Should().Be("orders");

    [Fact]
    public void A_value_next_to_its_FILE_variable_is_refused_without_reading_the_file()
    {
        var read = new List<string>();

        ProblemsOf(() => ReadInternal(
                new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_PASSWORD"] = Sentinel, ["DB_PASSWORD_FILE"] = "/run/secrets/db" },
                readFile: path =>
                {
                    read.Add(path);
                    return "from-file";
                }))
            .Should().Equal("DB_PASSWORD: both DB_PASSWORD (variable DB_PASSWORD) and DB_PASSWORD_FILE (variable DB_PASSWORD_FILE) are set; keep one of them");
        read.Should().BeEmpty();
    }

    [Fact]
    public void A_url_read_from_a_file_is_remembered_for_reloading_and_one_from_a_variable_is_not()
    {
        var fromFile = ReadInternal(new Dictionary<string, string?> { ["DATABASE_URL_FILE"] = "/run/secrets/url" }, readFile: _ => "postgresql://app@h/db\n");
        var fromVariable = ReadInternal(new Dictionary<string, string?> { ["DATABASE_URL"] = "postgresql://app@h/db" });

        fromFile.Settings.UrlFile.Should().Be(new SettingSource(SettingSourceKind.SecretFile, "DATABASE_URL_FILE", "/run/secrets/url"));
        fromVariable.Settings.UrlFile.Should().BeNull();
    }
}
