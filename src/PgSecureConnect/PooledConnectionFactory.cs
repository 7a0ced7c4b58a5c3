using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect;

/// <summary>
/// What <see cref="UrlConnectionFactory"/> and <see cref="VariablesConnectionFactory"/> share: the effective settings,
/// one pool per server, opening with retry and failover, and disposal. The two differ only in what they are built
/// from. Not meant to be derived from outside this library.
/// </summary>
public abstract class PooledConnectionFactory : IConnectionFactory
{
    private protected PooledConnectionFactory(ConnectionSettings settings, ConnectionFactoryOptions? options)
    {
        Core = new ConnectionFactoryCore(settings, options);
        UnitOfWork = new UnitsOfWork.UnitOfWorkRunner(Core, Core.Retry, Core.TimeProvider, Core.Logger, Core.FactoryName);
    }

    /// <inheritdoc />
    public ConnectionSettings Settings => Core.Settings;

    /// <inheritdoc />
    public NpgsqlDataSource DataSource => Core.DataSource;

    internal ConnectionFactoryCore Core { get; }

    /// <summary>Runs units of work with this factory's retry policy, clock, logger and pools.</summary>
    internal UnitsOfWork.UnitOfWorkRunner UnitOfWork { get; }

    /// <inheritdoc />
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => Core.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public NpgsqlConnection OpenConnection() => Core.OpenConnection();

    /// <summary>The redacted settings (no password).</summary>
    /// <returns>A redacted URL.</returns>
    public override string ToString() => Settings.ToString();

    /// <inheritdoc />
    public void Dispose()
    {
        Core.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Core.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
