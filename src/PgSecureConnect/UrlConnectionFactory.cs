namespace PgSecureConnect;

/// <summary>
/// An <see cref="IConnectionFactory"/> built from one connection string: a <c>postgresql://</c> URL (a
/// <c>DATABASE_URL</c>), a libpq keyword/value string, or an Npgsql connection string. Creating it reads the root
/// certificate file, if any, but does no network I/O.
/// </summary>
public sealed class UrlConnectionFactory : PooledConnectionFactory
{
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
        : base(settings, options)
    {
    }
}
