using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect;

/// <summary>
/// An <see cref="IConnectionFactory"/> built from one connection string: a <c>postgresql://</c> URL (a
/// <c>DATABASE_URL</c>), a libpq keyword/value string, or an Npgsql connection string. Creating it reads the root
/// certificate file, if any, but does no network I/O.
/// </summary>
public sealed class UrlConnectionFactory : IConnectionFactory
{
    private readonly ConnectionFactoryCore _core;

    /// <summary>Creates a factory from a URL or connection string.</summary>
    /// <param name="url">The URL, for example <c>postgresql://app:secret@db.example.com/orders?sslmode=verify-full</c>.</param>
    /// <param name="options">Policies and defaults; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">The URL is invalid or violates the <see cref="SslPolicy"/>.</exception>
    public UrlConnectionFactory(string url, ConnectionFactoryOptions? options = null)
        : this(ConnectionSettings.FromUrl(url ?? throw new ArgumentNullException(nameof(url))), options)
    {
    }

    internal UrlConnectionFactory(ConnectionSettings settings, ConnectionFactoryOptions? options)
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
