using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>
/// The addresses of one server's host name, raced like servers (RFC 8305). Npgsql tries a name's addresses one after
/// another, each with an equal share of the connect timeout, so a dead first address costs that share and a hung one the
/// whole timeout. A race opens through a data source per address whose TLS target host stays the name, so the
/// certificate is checked against the name and SNI carries it, as when Npgsql resolves the name itself. The address that
/// wins a race carries the server's opens, pooled ones included, for <c>pinFor</c> (<see cref="Pin"/>); after that they
/// go by name again, which picks up DNS changes.
/// </summary>
/// <param name="host">The server.</param>
/// <param name="build">Builds the data source of one address (<see cref="DataSourceConfigurator.BuildSingleHost"/>).</param>
/// <param name="time">The clock of the pin.</param>
/// <param name="pinFor">How long opens stay with the address that won (<see cref="RetryPolicy.HostRecheckInterval"/>).</param>
internal sealed class HostAddresses(HostState host, Func<IPAddress, NpgsqlDataSource> build, TimeProvider time, TimeSpan pinFor)
{
    /// <summary>More data sources than this (a name whose addresses keep changing) retire the ones not in use.</summary>
    internal const int MaxDataSources = 16;

    private readonly Dictionary<IPAddress, NpgsqlDataSource> _dataSources = [];
    private readonly List<(IPAddress Address, NpgsqlDataSource DataSource)> _retired = [];
    private Func<IPAddress, NpgsqlDataSource> _build = build;
    private ITimer? _unpin;

    /// <summary>Whether <paramref name="server"/> is given by a host name, which may resolve to several addresses.</summary>
    public static bool AppliesTo(ServerEndpoint server) => !server.IsUnixSocket && !IPAddress.TryParse(server.Host, out _);

    /// <summary>
    /// The order in which a race tries the addresses a name resolved to (RFC 8305, section 4): the resolver's order
    /// (RFC 6724 sorting), or shuffled for <c>load_balance_hosts=random</c> as libpq does, then interleaved by address
    /// family starting with the family of the first, so that a broken IPv6 or IPv4 path costs one attempt, not several.
    /// </summary>
    public static List<IPAddress> RaceOrder(IReadOnlyList<IPAddress> resolved, Func<double>? shuffle)
    {
        var distinct = new List<IPAddress>(resolved.Count);
        foreach (var address in resolved)
        {
            if (!distinct.Contains(address))
            {
                distinct.Add(address);
            }
        }

        if (shuffle is not null)
        {
            for (var i = distinct.Count - 1; i > 0; i--)
            {
                var j = (int)(shuffle() * (i + 1)) % (i + 1);
                (distinct[i], distinct[j]) = (distinct[j], distinct[i]);
            }
        }

        if (distinct.Count == 0)
        {
            return distinct;
        }

        var first = distinct[0].AddressFamily;
        var same = new Queue<IPAddress>(distinct.Where(a => a.AddressFamily == first));
        var other = new Queue<IPAddress>(distinct.Where(a => a.AddressFamily != first));
        var ordered = new List<IPAddress>(distinct.Count);
        while (same.Count > 0 || other.Count > 0)
        {
            if (same.TryDequeue(out var a))
            {
                ordered.Add(a);
            }

            if (other.TryDequeue(out var b))
            {
                ordered.Add(b);
            }
        }

        return ordered;
    }

    /// <summary>How an address is shown in logs and attempt reports: <c>name at 192.0.2.1</c>, <c>name at [2001:db8::1]</c>.</summary>
    public static string Describe(ServerEndpoint server, IPAddress? address)
        => address is null ? server.Host
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"{server.Host} at [{address}]" : $"{server.Host} at {address}";

    /// <summary>Whether a data source of <paramref name="address"/> was built (a connection to it came through this server).</summary>
    public bool Contains(IPAddress address)
    {
        lock (_dataSources)
        {
            return _dataSources.ContainsKey(address) || _retired.Exists(r => r.Address.Equals(address));
        }
    }

    /// <summary>The data source of one address, built on first use.</summary>
    public NpgsqlDataSource For(IPAddress address)
    {
        lock (_dataSources)
        {
            if (_dataSources.TryGetValue(address, out var existing))
            {
                return existing;
            }

            if (_dataSources.Count >= MaxDataSources)
            {
                RetireUnpinned();
            }

            var created = _build(address);
            _dataSources[address] = created;
            return created;
        }
    }

    /// <summary>
    /// <paramref name="address"/> won a race: the server's opens go to it until <c>pinFor</c> has passed, or until an
    /// attempt on it finds it down (<see cref="Unpin"/>).
    /// </summary>
    public void Pin(IPAddress address, NpgsqlDataSource dataSource)
    {
        lock (_dataSources)
        {
            if (!_dataSources.TryGetValue(address, out var current) || !ReferenceEquals(current, dataSource))
            {
                // Retired meanwhile (new credentials): leave the routing alone.
                return;
            }

            host.RouteTo(address, dataSource);
            _unpin?.Dispose();
            _unpin = pinFor == Timeout.InfiniteTimeSpan ? null
                : time.CreateTimer(static state => ((HostAddresses)state!).Unpin(), this, pinFor, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Opens go by name again.</summary>
    public void Unpin()
    {
        lock (_dataSources)
        {
            _unpin?.Dispose();
            _unpin = null;
            host.RouteByName();
        }
    }

    /// <summary>Clears the pool of every address.</summary>
    public void ClearAll()
    {
        lock (_dataSources)
        {
            foreach (var dataSource in _dataSources.Values)
            {
                dataSource.Clear();
            }
        }
    }

    /// <summary>New credentials: later data sources come from <paramref name="newBuild"/>; returns every data source built so far, for the caller to retire or dispose.</summary>
    public List<NpgsqlDataSource> TakeAll(Func<IPAddress, NpgsqlDataSource>? newBuild = null)
    {
        lock (_dataSources)
        {
            _unpin?.Dispose();
            _unpin = null;
            var all = new List<NpgsqlDataSource>(_dataSources.Values);
            all.AddRange(_retired.Select(r => r.DataSource));
            _dataSources.Clear();
            _retired.Clear();
            if (newBuild is not null)
            {
                _build = newBuild;
            }

            return all;
        }
    }

    /// <summary>
    /// Too many addresses over time: the data sources of addresses opens are not pinned to are cleared and retired; the
    /// ones retired the time before are disposed now (an attempt still using one has long ended).
    /// </summary>
    private void RetireUnpinned()
    {
        foreach (var (_, old) in _retired)
        {
            old.Dispose();
        }

        _retired.Clear();
        foreach (var (address, dataSource) in _dataSources.ToList())
        {
            if (!address.Equals(host.PinnedAddress))
            {
                dataSource.Clear();
                _retired.Add((address, dataSource));
                _dataSources.Remove(address);
            }
        }
    }
}
