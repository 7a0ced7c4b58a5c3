using Npgsql;

namespace PgSecureConnect;

/// <summary>
/// Hands out open, pooled PostgreSQL connections to the right server, retrying with failover across the server
/// list. Create one per database with <see cref="ConnectionFactory"/> and keep it for the application's lifetime
/// (register it as a singleton); disposing it closes its pools.
/// </summary>
public interface IConnectionFactory : IAsyncDisposable, IDisposable
{
    /// <summary>The effective settings: the <see cref="SslPolicy"/> applied and defaults filled in, each with its source.</summary>
    ConnectionSettings Settings { get; }

    /// <summary>
    /// The pooled Npgsql data source, for code that needs one (EF Core's <c>UseNpgsql(dataSource)</c>, Dapper, ...).
    /// With one server it is the very pool <see cref="OpenConnectionAsync"/> uses. With several servers it is an
    /// <see cref="NpgsqlMultiHostDataSource"/> built on first use from the same settings: it has Npgsql's own failover
    /// and pools, not the factory's retry, server health tracking and session checks, so prefer
    /// <see cref="OpenConnectionAsync"/>.
    /// </summary>
    NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// Opens a pooled connection to a server that satisfies <c>target_session_attrs</c>, retrying transient failures
    /// and failing over to the next server as the <see cref="RetryPolicy"/> allows. Dispose the connection to return
    /// it to the pool.
    /// </summary>
    /// <param name="cancellationToken">Cancels the open, including retries and waits.</param>
    /// <returns>An open connection.</returns>
    /// <exception cref="ConnectionFailedException">Every allowed attempt failed; the exception lists them.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a pooled connection synchronously; see <see cref="OpenConnectionAsync"/>.</summary>
    /// <returns>An open connection.</returns>
    /// <exception cref="ConnectionFailedException">Every allowed attempt failed; the exception lists them.</exception>
    NpgsqlConnection OpenConnection();
}
