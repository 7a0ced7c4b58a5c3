using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class SettingsSourcesTests
{
    [Fact]
    public void A_missing_explicit_env_file_is_a_problem_of_the_option()
    {
        using var directory = new TempFile(string.Empty);
        var options = new ConnectionFactoryOptions { EnvFilePath = "missing.env" };
        var expectedPath = Path.Combine(directory.Directory, "missing.env");

        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            SettingsSources.FromEnvironment(options, new Dictionary<string, string?> { ["DB_HOST"] = "h" }, directory.Directory));

        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "EnvFilePath",
            new SettingSource(SettingSourceKind.Policy, "EnvFilePath", "ConnectionFactoryOptions.EnvFilePath"),
            $"the .env file '{expectedPath}' does not exist; create it (copy .env.example), fix the path, or leave EnvFilePath unset to use the environment alone"));
    }

    [Fact]
    public void Nothing_found_names_the_env_file_that_was_read()
    {
        using var file = new TempFile("OTHER=1\n", ".env");

        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            SettingsSources.FromEnvironment(null, new Dictionary<string, string?>(), file.Directory));

        exception.Problems.Should().ContainSingle().Which.Message
            .Should().StartWith($"no PostgreSQL connection settings were found in the environment and {file.Path}. Looked for DATABASE_URL,");
    }

    [Fact]
    public void Without_an_environment_dictionary_the_process_environment_is_read_under_the_file()
    {
        // Only read, never written: a prefix no real environment uses keeps the result independent of the machine.
        using var file = new TempFile("PGSECURE_UNIT_7F3A_DB_HOST=from-file\nPGSECURE_UNIT_7F3A_DB_NAME=orders\n", ".env");
        var options = new ConnectionFactoryOptions { VariablePrefix = "PGSECURE_UNIT_7F3A_" };

        var result = SettingsSources.FromEnvironment(options, environment: null, file.Directory);

        result.Settings.Servers.Should().Equal(new ServerEndpoint("from-file", 5432));
        result.Settings.GetSource("host").Should().Be(new SettingSource(SettingSourceKind.DotEnvFile, "PGSECURE_UNIT_7F3A_DB_HOST", file.Path));
    }

    [Fact]
    public void Without_an_environment_dictionary_references_are_looked_up_in_the_process_environment_then_in_the_file()
    {
        using var file = new TempFile("PGSECURE_UNIT_7F3A_DB_HOST=from-file\nPGSECURE_UNIT_7F3A_DB_NAME=${PGSECURE_UNIT_7F3A_DB_HOST}-db\n", ".env");
        var options = new ConnectionFactoryOptions { VariablePrefix = "PGSECURE_UNIT_7F3A_" };

        var result = SettingsSources.FromEnvironment(options, environment: null, file.Directory);

        result.Settings.Database.Should().Be("from-file-db");
    }

    [Fact]
    public void References_in_the_env_file_are_resolved_from_the_given_environment()
    {
        using var file = new TempFile("DB_HOST=${PGSECURE_UNIT_7F3A_HOST}\n", ".env");

        var result = SettingsSources.FromEnvironment(null, new Dictionary<string, string?> { ["PGSECURE_UNIT_7F3A_HOST"] = "db.internal" }, file.Directory);

        result.Settings.Servers.Should().Equal(new ServerEndpoint("db.internal", 5432));
        result.Settings.GetSource("host").Should().Be(new SettingSource(SettingSourceKind.DotEnvFile, "DB_HOST", file.Path));
    }
}
