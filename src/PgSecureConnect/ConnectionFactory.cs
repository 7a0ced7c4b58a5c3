using Microsoft.Extensions.Configuration;
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
        return Create(VariablesReader.Read(VariableSource.FromDictionary(variables, SettingSourceKind.Variables), options?.VariablePrefix, readFile: null), options);
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
        return Create(SettingsSources.FromConfiguration(configuration, options), options);
    }

    /// <summary>
    /// <see cref="FromEnvironment(ConnectionFactoryOptions?)"/> with the environment given as a dictionary (tests never
    /// touch the process environment) and an explicit current directory.
    /// </summary>
    internal static IConnectionFactory FromEnvironment(ConnectionFactoryOptions? options, IReadOnlyDictionary<string, string?>? environment, string currentDirectory)
        => Create(SettingsSources.FromEnvironment(options, environment, currentDirectory), options);

    /// <summary>A <see cref="UrlConnectionFactory"/> for settings read from a URL, else a <see cref="VariablesConnectionFactory"/>.</summary>
    private static IConnectionFactory Create(VariablesReadResult result, ConnectionFactoryOptions? options)
        => result.FromUrl
            ? new UrlConnectionFactory(result.Settings, options)
            : new VariablesConnectionFactory(result.Settings, options);
}
