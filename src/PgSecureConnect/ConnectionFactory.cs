using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;

namespace PgSecureConnect;

/// <summary>
/// Creates <see cref="IConnectionFactory"/> instances from where connection settings live: the environment and a
/// <c>.env</c> file, a URL, a dictionary of variables, or an <see cref="IConfiguration"/>. None of these methods does
/// network I/O; problems with the settings are thrown at once as <see cref="ConnectionConfigurationException"/>.
/// </summary>
public static class ConnectionFactory
{
    /// <summary>
    /// Reads <c>.env</c> (from the current directory, or <see cref="ConnectionFactoryOptions.EnvFilePath"/>) and the
    /// process environment, real environment variables winning over the file; the file is never written into the
    /// environment. With <c>DATABASE_URL</c> (or <c>DATABASE_URL_FILE</c>) set, returns a
    /// <see cref="UrlConnectionFactory"/>; otherwise, from <c>DB_HOST</c>, <c>DB_PORT</c>, <c>DB_NAME</c>,
    /// <c>DB_USER</c>, <c>DB_PASSWORD</c> (or <c>DB_PASSWORD_FILE</c>) and the libpq <c>PG*</c> variables, a
    /// <see cref="VariablesConnectionFactory"/>.
    /// </summary>
    /// <param name="options">Policies, the <c>.env</c> path, a variable prefix; <see langword="null"/> for the defaults.</param>
    /// <returns>The factory.</returns>
    /// <exception cref="ConnectionConfigurationException">
    /// Nothing was found (the message lists the names looked for and the <c>.env</c> path tried), <c>DATABASE_URL</c>
    /// and <c>DB_*</c> variables are both set, or a value is invalid.
    /// </exception>
    public static IConnectionFactory FromEnvironment(ConnectionFactoryOptions? options = null)
        => FromEnvironment(options, environment: null, Directory.GetCurrentDirectory());

    /// <summary>Creates a <see cref="UrlConnectionFactory"/> from a URL or connection string.</summary>
    /// <param name="url">A <c>postgresql://</c> URL, a libpq keyword/value string, or an Npgsql connection string.</param>
    /// <param name="options">Policies and defaults; <see langword="null"/> for the defaults.</param>
    /// <returns>The factory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">The URL is invalid or violates the <see cref="SslPolicy"/>.</exception>
    public static IConnectionFactory FromUrl(string url, ConnectionFactoryOptions? options = null)
        => new UrlConnectionFactory(url, options);

    /// <summary>
    /// Creates a factory from variables given in code (same names as <see cref="FromEnvironment(ConnectionFactoryOptions?)"/>); a
    /// <see cref="UrlConnectionFactory"/> when they hold <c>DATABASE_URL</c>, else a <see cref="VariablesConnectionFactory"/>.
    /// </summary>
    /// <param name="variables">Variable names and values.</param>
    /// <param name="options">Policies and defaults; <see langword="null"/> for the defaults.</param>
    /// <returns>The factory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="variables"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">The variables are missing, invalid or contradictory.</exception>
    public static IConnectionFactory FromVariables(IReadOnlyDictionary<string, string?> variables, ConnectionFactoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return Create(VariableSource.FromDictionary(variables, SettingSourceKind.Variables), options);
    }

    /// <summary>
    /// Creates a factory from configuration: the connection string <c>ConnectionStrings:Default</c> (or
    /// <see cref="ConnectionFactoryOptions.ConnectionStringName"/>), as a URL or Npgsql connection string; otherwise the
    /// keys <c>DATABASE_URL</c> or <c>DB_HOST</c>, <c>DB_NAME</c>, ... at the root of the configuration.
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="options">Policies and defaults; <see langword="null"/> for the defaults.</param>
    /// <returns>The factory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">Nothing was found (the message names the keys looked at), both forms are present, or a value is invalid.</exception>
    public static IConnectionFactory FromConfiguration(IConfiguration configuration, ConnectionFactoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = options?.ConnectionStringName ?? ConnectionDefaults.ConnectionStringName;
        var key = "ConnectionStrings:" + name;
        var variables = VariableSource.FromConfiguration(configuration, $"the configuration (keys {key}, DATABASE_URL, DB_*)");
        var connectionString = configuration[key];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return Create(variables, options);
        }

        // The connection string takes the place of DATABASE_URL: the same conflicts are refused, and DB_SSLMODE,
        // DB_SSLROOTCERT and the other discrete settings add to it exactly as they add to DATABASE_URL.
        var source = new SettingSource(SettingSourceKind.Configuration, key);
        var result = VariablesReader.Read(variables, options?.VariablePrefix, readFile: null, (key, connectionString, source));
        return new UrlConnectionFactory(result.Settings, options);
    }

    /// <summary>
    /// <see cref="FromEnvironment(ConnectionFactoryOptions?)"/> with the environment given as a dictionary (tests never
    /// touch the process environment) and an explicit current directory.
    /// </summary>
    internal static IConnectionFactory FromEnvironment(ConnectionFactoryOptions? options, IReadOnlyDictionary<string, string?>? environment, string currentDirectory)
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
        return Create(VariableSource.FromConfiguration(builder.Build(), description), options);
    }

    private static IConnectionFactory Create(VariableSource variables, ConnectionFactoryOptions? options)
    {
        var result = VariablesReader.Read(variables, options?.VariablePrefix, readFile: null);
        return result.FromUrl
            ? new UrlConnectionFactory(result.Settings, options)
            : new VariablesConnectionFactory(result.Settings, options);
    }
}
