using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Where <see cref="ConnectionFactory"/> finds settings: the environment with a <c>.env</c> file, or an
/// <see cref="IConfiguration"/> with its connection string. Each is read into the same variables and goes through
/// <see cref="VariablesReader"/>, so the <c>DATABASE_URL</c>-versus-<c>DB_*</c> rules are written once, there.
/// </summary>
internal static class SettingsSources
{
    /// <summary>Reads configuration: <c>ConnectionStrings:&lt;name&gt;</c> in the place of <c>DATABASE_URL</c>, else the variables at its root.</summary>
    public static VariablesReadResult FromConfiguration(IConfiguration configuration, ConnectionFactoryOptions? options)
    {
        var name = options?.ConnectionStringName ?? ConnectionDefaults.ConnectionStringName;
        var key = "ConnectionStrings:" + name;
        var variables = VariableSource.FromConfiguration(configuration, $"the configuration (keys {key}, DATABASE_URL, DB_*)");
        var connectionString = configuration[key];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return VariablesReader.Read(variables, options?.VariablePrefix, readFile: null);
        }

        // The connection string takes the place of DATABASE_URL: the same conflicts are refused, and DB_SSLMODE,
        // DB_SSLROOTCERT and the other discrete settings add to it exactly as they add to DATABASE_URL.
        var source = new SettingSource(SettingSourceKind.Configuration, key);
        return VariablesReader.Read(variables, options?.VariablePrefix, readFile: null, (key, connectionString, source));
    }

    /// <summary>Reads the <c>.env</c> file (if any) under the environment (given as a dictionary in tests); real variables win.</summary>
    public static VariablesReadResult FromEnvironment(ConnectionFactoryOptions? options, IReadOnlyDictionary<string, string?>? environment, string currentDirectory)
    {
        var explicitPath = options?.EnvFilePath;
        var envPath = Path.GetFullPath(explicitPath ?? Path.Combine(currentDirectory, ConnectionDefaults.EnvFileName), currentDirectory);
        var problems = new ProblemList();
        Func<string, string?> lookupEnvironment = environment is null
            ? Environment.GetEnvironmentVariable
            : name => environment.GetValueOrDefault(name);
        var dotEnv = DotEnvFile.Read(envPath, lookupEnvironment, problems);
        if (dotEnv is null && explicitPath is not null)
        {
            problems.Add("EnvFilePath", new SettingSource(SettingSourceKind.Policy, "EnvFilePath", "ConnectionFactoryOptions.EnvFilePath"),
                $"the .env file '{envPath}' does not exist; create it (copy .env.example), fix the path, or leave EnvFilePath unset to use the environment alone");
        }

        problems.ThrowIfAny();

        var builder = new ConfigurationBuilder();
        if (dotEnv is not null)
        {
            builder.Add(new DotEnvConfigurationProvider(envPath, dotEnv));
        }

        builder.Add(environment is null ? new EnvironmentVariablesConfigurationSource() : new EnvironmentDictionaryConfigurationProvider(environment));
        var description = dotEnv is null ? $"the environment (no .env file at {envPath})" : $"the environment and {envPath}";
        return VariablesReader.Read(VariableSource.FromConfiguration(builder.Build(), description), options?.VariablePrefix, readFile: null);
    }
}
