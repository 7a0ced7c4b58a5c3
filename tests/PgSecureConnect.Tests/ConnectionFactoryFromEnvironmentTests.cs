namespace PgSecureConnect.Tests;

/// <summary>
/// <see cref="ConnectionFactory.FromEnvironment(ConnectionFactoryOptions?)"/> with the environment passed as a
/// dictionary (the internal overload), so these tests never touch the process environment and run in parallel.
/// </summary>
public sealed class ConnectionFactoryFromEnvironmentTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-env-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private IConnectionFactory FromEnvironment(Dictionary<string, string?> environment, ConnectionFactoryOptions? options = null)
        => ConnectionFactory.FromEnvironment(options, environment, _directory);

    private string WriteEnv(string content, string name = ".env")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Reads_dotenv_from_the_current_directory()
    {
        var path = WriteEnv("DB_HOST=localhost\nDB_PORT=6543\nDB_NAME=orders\nDB_USER=app\nDB_PASSWORD='pa$$word'\n");

        using var factory = FromEnvironment([]);

        factory.Settings.Servers.Should().Equal(new ServerEndpoint("localhost", 6543));
        factory.Settings.Password.Should().Be("pa$$word");
        factory.Settings.GetSource("host").Should().Be(new SettingSource(SettingSourceKind.DotEnvFile, "DB_HOST", path));
        factory.Settings.GetSource("host")!.ToString().Should().Be($"DB_HOST in {path}");
    }

    [Fact]
    public void Real_environment_wins_over_dotenv()
    {
        WriteEnv("DB_HOST=from-file\nDB_NAME=orders\n");

        using var factory = FromEnvironment(new() { ["DB_HOST"] = "localhost" });

        factory.Settings.Servers[0].Host.Should().Be("localhost");
        factory.Settings.GetSource("host")!.Kind.Should().Be(SettingSourceKind.EnvironmentVariable);
        factory.Settings.Database.Should().Be("orders");
        factory.Settings.GetSource("dbname")!.Kind.Should().Be(SettingSourceKind.DotEnvFile);
    }

    [Fact]
    public void DATABASE_URL_in_dotenv_gives_a_url_factory_whose_sources_name_the_file()
    {
        var path = WriteEnv("DATABASE_URL=postgresql://app:pw@localhost:6543/orders?application_name=api\n");

        using var factory = FromEnvironment([]);

        factory.Should().BeOfType<UrlConnectionFactory>();
        factory.Settings.GetSource("application_name")!.ToString().Should().Be($"application_name in DATABASE_URL in {path}");
    }

    [Fact]
    public void DATABASE_URL_in_the_environment_and_DB_HOST_in_dotenv_conflict()
    {
        var path = WriteEnv("DB_HOST=localhost\n");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => FromEnvironment(new() { ["DATABASE_URL"] = "postgresql://localhost/db" }));

        exception.Message.Should().Contain($"DATABASE_URL and DB_HOST are all set, so it is unclear which to use (DB_HOST in {path})");
    }

    [Fact]
    public void Does_not_write_dotenv_values_into_the_process_environment()
    {
        var name = "PGSECURE_TEST_" + Guid.NewGuid().ToString("N");
        WriteEnv($"DB_HOST=localhost\n{name}=1\n");

        using var factory = FromEnvironment([]);

        Environment.GetEnvironmentVariable(name).Should().BeNull();
        Environment.GetEnvironmentVariable("DB_HOST").Should().NotBe("localhost");
    }

    [Fact]
    public void Nothing_found_names_the_dotenv_path_it_tried()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => FromEnvironment([]));

        exception.Message.Should().Contain($"no PostgreSQL connection settings were found in the environment (no .env file at {Path.Combine(_directory, ".env")})");
    }

    [Fact]
    public void Explicit_env_file_must_exist()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            FromEnvironment(new() { ["DB_HOST"] = "localhost" }, new ConnectionFactoryOptions { EnvFilePath = "config/app.env" }));

        exception.Key.Should().Be("EnvFilePath");
        exception.Message.Should().Contain($"the .env file '{Path.Combine(_directory, "config", "app.env")}' does not exist");
    }

    [Fact]
    public void Explicit_env_file_is_read()
    {
        WriteEnv("DB_HOST=localhost\nDB_NAME=custom\n", "app.env");

        using var factory = FromEnvironment([], new ConnectionFactoryOptions { EnvFilePath = "app.env" });

        factory.Settings.Database.Should().Be("custom");
    }

    [Fact]
    public void Malformed_dotenv_reports_the_line_without_quoting_it()
    {
        var path = WriteEnv("DB_HOST=localhost\nDB_PASSWORD s3cret-value\n");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => FromEnvironment([]));

        exception.Message.Should().Contain($"{path} cannot be parsed at line 2, column 1");
        exception.Message.Should().NotContain("s3cret");
    }

    [Fact]
    public void Dollar_reference_that_would_eat_part_of_a_password_is_reported()
    {
        WriteEnv("DB_HOST=localhost\nDB_PASSWORD=pa$word123\n");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => FromEnvironment([]));

        exception.Key.Should().Be("DB_PASSWORD");
        exception.Message.Should().Contain("line 2");
        exception.Message.Should().Contain("DB_PASSWORD='...'");
        exception.Message.Should().NotContain("word123");
    }

    [Fact]
    public void Dollar_reference_to_a_defined_variable_is_interpolation()
    {
        WriteEnv("DB_USER=app\nDATABASE_URL=postgresql://${DB_USER}@localhost/db\n");

        var exception = Record.Exception(() => FromEnvironment([]));

        // DATABASE_URL and DB_USER together is a conflict, but the reference itself is accepted.
        exception.Should().BeOfType<ConnectionConfigurationException>().Which.Message.Should().NotContain("'$'");
    }

    [Fact]
    public void Conflicting_duplicate_lines_are_reported()
    {
        WriteEnv("DB_HOST=a\nDB_HOST=b\n");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => FromEnvironment([]));

        exception.Message.Should().Contain("DB_HOST is defined more than once");
    }

    [Fact]
    public void Prefix_reads_prefixed_names_from_dotenv()
    {
        WriteEnv("BILLING_DB_HOST=localhost\nBILLING_DB_NAME=billing\nDB_HOST=elsewhere\n");

        using var factory = FromEnvironment([], new ConnectionFactoryOptions { VariablePrefix = "BILLING_" });

        factory.Settings.Database.Should().Be("billing");
        factory.Settings.Servers[0].Host.Should().Be("localhost");
    }
}
