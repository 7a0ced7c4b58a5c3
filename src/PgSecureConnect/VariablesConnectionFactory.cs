namespace PgSecureConnect;

/// <summary>
/// An <see cref="IConnectionFactory"/> built from discrete variables: <c>DB_HOST</c>, <c>DB_PORT</c>,
/// <c>DB_NAME</c>, <c>DB_USER</c>, <c>DB_PASSWORD</c> and the other <c>DB_*</c> variables, over the libpq
/// <c>PG*</c> variables. Creating it reads secret and root certificate files, if any, but does no network I/O.
/// </summary>
public sealed class VariablesConnectionFactory : PooledConnectionFactory
{
    /// <summary>Creates a factory from variables such as <c>DB_HOST</c> and <c>DB_PASSWORD</c>.</summary>
    /// <param name="variables">Variable names and values.</param>
    /// <param name="options">Policies and defaults; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="variables"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">The variables are missing, invalid, contradictory or violate the <see cref="SslPolicy"/>.</exception>
    public VariablesConnectionFactory(IReadOnlyDictionary<string, string?> variables, ConnectionFactoryOptions? options = null)
        : this(Parsing.VariablesReader.Read(
            Parsing.VariableSource.FromDictionary(variables ?? throw new ArgumentNullException(nameof(variables)), SettingSourceKind.Variables),
            options?.VariablePrefix,
            readFile: null).Settings, options)
    {
    }

    internal VariablesConnectionFactory(ConnectionSettings settings, ConnectionFactoryOptions? options)
        : base(settings, options)
    {
    }
}
