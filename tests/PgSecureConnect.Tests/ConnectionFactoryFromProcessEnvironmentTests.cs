namespace PgSecureConnect.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>The public <see cref="ConnectionFactory.FromEnvironment(ConnectionFactoryOptions?)"/> against the real process environment.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConnectionFactoryFromProcessEnvironmentTests : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-procenv-").FullName;

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    [Fact]
    public void Real_environment_variables_override_the_file_and_are_reported_as_such()
    {
        var envFile = Path.Combine(_directory, "test.env");
        File.WriteAllText(envFile, "PGSECURE_T_DB_HOST=from-file\nPGSECURE_T_DB_NAME=orders\n");
        Set("PGSECURE_T_DB_HOST", "localhost");

        using var factory = ConnectionFactory.FromEnvironment(new ConnectionFactoryOptions { EnvFilePath = envFile, VariablePrefix = "PGSECURE_T_" });

        factory.Settings.Servers[0].Host.Should().Be("localhost");
        factory.Settings.GetSource("host").Should().Be(new SettingSource(SettingSourceKind.EnvironmentVariable, "PGSECURE_T_DB_HOST"));
        factory.Settings.GetSource("dbname").Should().Be(new SettingSource(SettingSourceKind.DotEnvFile, "PGSECURE_T_DB_NAME", envFile));
        Environment.GetEnvironmentVariable("PGSECURE_T_DB_NAME").Should().BeNull("the .env file is never written into the environment");
    }
}
