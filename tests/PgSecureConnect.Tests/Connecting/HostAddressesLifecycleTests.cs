using System.Net;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The per-address data sources of one server: the pin's timer, new credentials taking them all, and disposing the server's data sources.</summary>
public sealed class HostAddressesLifecycleTests : IDisposable
{
    private static readonly IPAddress First = IPAddress.Parse("192.0.2.1");
    private readonly TimerTrackingTimeProvider _time = new();
    private readonly HostState _host = new(new ServerEndpoint("db.example", 5432), _ => NpgsqlDataSource.Create("Host=db.example;Port=5432;Username=u"));
    private readonly List<NpgsqlDataSource> _created = [];

    public void Dispose()
    {
        _host.DisposeDataSources();
        foreach (var dataSource in _created)
        {
            dataSource.Dispose();
        }
    }

    private NpgsqlDataSource Create(IPAddress address, string user = "u")
    {
        var dataSource = NpgsqlDataSource.Create($"Host={address};Port=5432;Username={user}");
        _created.Add(dataSource);
        return dataSource;
    }

    private HostAddresses Addresses() => _host.Addresses = new HostAddresses(_host, address => Create(address), _time, TimeSpan.FromMinutes(5));

    [Fact]
    public void Unpinning_stops_the_pins_timer()
    {
        var addresses = Addresses();
        addresses.Pin(First, addresses.For(First));
        _time.PendingTimers.Should().Be(1);

        addresses.Unpin();

        _time.PendingTimers.Should().Be(0);
        _host.PinnedAddress.Should().BeNull();
    }

    [Fact]
    public void Taking_every_data_source_stops_the_pins_timer_and_forgets_the_addresses()
    {
        var addresses = Addresses();
        var first = addresses.For(First);
        addresses.Pin(First, first);

        addresses.TakeAll().Should().Equal(first);

        _time.PendingTimers.Should().Be(0);
        addresses.Contains(First).Should().BeFalse();
        addresses.For(First).Should().NotBeSameAs(first);
    }

    [Fact]
    public void After_new_credentials_the_addresses_data_sources_are_built_for_them()
    {
        var addresses = Addresses();
        addresses.For(First);

        addresses.TakeAll(address => Create(address, "app_v2"));

        addresses.For(First).ConnectionString.Should().Contain("app_v2");
    }

    [Fact]
    public void A_data_source_that_is_no_longer_the_addresses_own_is_not_pinned()
    {
        var addresses = Addresses();
        addresses.For(First);

        addresses.Pin(First, Create(First));

        _host.PinnedAddress.Should().BeNull();
        _time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public async Task Disposing_the_servers_data_sources_disposes_those_of_its_addresses()
    {
        var addresses = Addresses();
        var first = addresses.For(First);

        _host.DisposeDataSources();

        await FluentActions.Awaiting(async () => await first.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }
}
