using System.Net;
using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>
/// One server of a factory: its own pooled data source, and what was last seen of it. A server given by a host name
/// may also have a data source per address of that name (<see cref="Addresses"/>), used after a race between them.
/// </summary>
internal sealed class HostState : Diagnostics.IObservedServer
{
    private int _offline;
    private int _role;
    private NpgsqlDataSource _named;
    private NpgsqlDataSource _dataSource;

    /// <summary>Creates the state and its data source.</summary>
    /// <param name="server">The server.</param>
    /// <param name="createDataSource">
    /// Builds the server's data source; it receives this state because the data source's TLS callback reports the
    /// certificate it saw, or why it rejected it, back here.
    /// </param>
    public HostState(ServerEndpoint server, Func<HostState, NpgsqlDataSource> createDataSource)
    {
        Server = server;
        PoolName = server.ToString();
        _dataSource = _named = createDataSource(this);
    }

    public ServerEndpoint Server { get; }

    /// <summary>
    /// The pooled data source opens go to: <see cref="NamedDataSource"/>, or for a while after one of the host name's
    /// addresses won a race, that address's (<see cref="HostAddresses.Pin"/>).
    /// </summary>
    public NpgsqlDataSource DataSource => Volatile.Read(ref _dataSource);

    /// <summary>The single-host pooled data source for this server as configured (by name); replaced when credentials change to another user.</summary>
    public NpgsqlDataSource NamedDataSource => Volatile.Read(ref _named);

    /// <summary>
    /// The data sources per address of the server's host name, for racing them (<see cref="RetryPolicy.AttemptDelay"/>);
    /// <see langword="null"/> for an IP address or a socket directory, and when racing is off.
    /// </summary>
    public HostAddresses? Addresses { get; set; }

    /// <summary>The address opens are pinned to, or <see langword="null"/> when they go by name.</summary>
    public IPAddress? PinnedAddress { get; private set; }

    /// <summary>Routes opens to <paramref name="dataSource"/>, the data source of <paramref name="address"/>.</summary>
    public void RouteTo(IPAddress address, NpgsqlDataSource dataSource)
    {
        PinnedAddress = address;
        Volatile.Write(ref _dataSource, dataSource);
    }

    /// <summary>Routes opens by name again.</summary>
    public void RouteByName()
    {
        PinnedAddress = null;
        Volatile.Write(ref _dataSource, Volatile.Read(ref _named));
    }

    /// <summary>
    /// New credentials for another user: a new named data source, opens routed by name, address data sources built by
    /// <paramref name="buildForAddress"/> from now on; returns the data sources replaced (to be cleared and retired).
    /// </summary>
    public List<NpgsqlDataSource> Replace(NpgsqlDataSource named, Func<IPAddress, NpgsqlDataSource> buildForAddress)
    {
        var previous = new List<NpgsqlDataSource> { Volatile.Read(ref _named) };
        Volatile.Write(ref _named, named);
        if (Addresses is { } addresses)
        {
            previous.AddRange(addresses.TakeAll(buildForAddress));
        }

        RouteByName();
        return previous;
    }

    /// <summary>Clears every pool of the server: by name and per address.</summary>
    public void ClearPools()
    {
        NamedDataSource.Clear();
        Addresses?.ClearAll();
    }

    /// <summary>Disposes every data source of the server.</summary>
    public void DisposeDataSources()
    {
        NamedDataSource.Dispose();
        if (Addresses is { } addresses)
        {
            foreach (var dataSource in addresses.TakeAll())
            {
                dataSource.Dispose();
            }
        }
    }

    /// <inheritdoc cref="DisposeDataSources"/>
    public async ValueTask DisposeDataSourcesAsync()
    {
        await NamedDataSource.DisposeAsync().ConfigureAwait(false);
        if (Addresses is { } addresses)
        {
            foreach (var dataSource in addresses.TakeAll())
            {
                await dataSource.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The server could not be reached; later opens skip it until a background check reaches it.</summary>
    public bool IsOffline => Volatile.Read(ref _offline) == 1;

    /// <summary>What the server was last seen to be.</summary>
    public ServerRole Role
    {
        get => (ServerRole)Volatile.Read(ref _role);
        set => Volatile.Write(ref _role, (int)value);
    }

    private string? _certificateRejection;

    /// <summary>Records why the certificate check of an attempt on this server failed, for that attempt's report.</summary>
    public void RecordCertificateRejection(string reason) => Volatile.Write(ref _certificateRejection, reason);

    /// <summary>
    /// Takes the recorded rejection reason, once: a later attempt that fails for another reason (the server refusing our
    /// client certificate, say) never reports an earlier attempt's reason.
    /// </summary>
    public string? TakeCertificateRejection() => Interlocked.Exchange(ref _certificateRejection, null);

    /// <summary>The certificate seen in the last TLS handshake, for health checks and metrics.</summary>
    public Security.ServerCertificateInfo? Certificate { get; set; }

    /// <summary>The stable name of <see cref="DataSource"/> (Npgsql's <c>db.client.connection.pool.name</c>).</summary>
    public string PoolName { get; set; }

    private long _lostRaceAt;

    /// <summary>
    /// When (a <see cref="TimeProvider"/> timestamp) an attempt on this server was cancelled because another server
    /// answered first; 0 when it has not lost a race since it last answered.
    /// </summary>
    public long LostRaceAt => Volatile.Read(ref _lostRaceAt);

    /// <summary>An attempt on the server lost a race: later opens try it after the others for a while, without marking it offline.</summary>
    public void MarkLostRace(long timestamp) => Volatile.Write(ref _lostRaceAt, timestamp == 0 ? 1 : timestamp);

    /// <summary>The server answered: it is tried in its place again.</summary>
    public void ClearLostRace()
    {
        if (Volatile.Read(ref _lostRaceAt) != 0)
        {
            Volatile.Write(ref _lostRaceAt, 0);
        }
    }

    /// <summary>Marks the server offline; <see langword="true"/> when it was online before (the caller schedules the recheck).</summary>
    public bool TryMarkOffline() => Interlocked.Exchange(ref _offline, 1) == 0;

    /// <summary>Marks the server online; <see langword="true"/> when it was offline before.</summary>
    public bool TryMarkOnline() => Interlocked.Exchange(ref _offline, 0) == 1;
}
