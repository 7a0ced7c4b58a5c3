using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect;

/// <summary>
/// An <see cref="IConnectionFactory"/> built from discrete variables: <c>DB_HOST</c>, <c>DB_PORT</c>,
/// <c>DB_NAME</c>, <c>DB_USER</c>, <c>DB_PASSWORD</c> and the other <c>DB_*</c> variables, over the libpq
/// <c>PG*</c> variables. Creating it reads secret and root certificate files, if any, but does no network I/O.
/// </summary>
public sealed class VariablesConnectionFactory : IConnectionFactory
{
    private readonly ConnectionFactoryCore _core;

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
    {
        _core = new ConnectionFactoryCore(settings, options);
    }

    /// <inheritdoc />
    public ConnectionSettings Settings => _core.Settings;

    /// <inheritdoc />
    public NpgsqlDataSource DataSource => _core.DataSource;

    internal ConnectionFactoryCore Core => _core;

    /// <inheritdoc />
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => _core.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public NpgsqlConnection OpenConnection() => _core.OpenConnection();

    /// <summary>The redacted settings (no password).</summary>
    /// <returns>A redacted URL.</returns>
    public override string ToString() => Settings.ToString();

    /// <inheritdoc />
    public void Dispose() => _core.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _core.DisposeAsync();
}
