using System.Net;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The addresses of one host name in a race (issue 14): which servers race them, their order, and the pin.</summary>
public sealed class HostAddressesTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly HostState _host = new(new ServerEndpoint("db.example", 5432), _ => NpgsqlDataSource.Create("Host=db.example;Port=5432;Username=u"));
    private readonly List<IPAddress> _built = [];

    public void Dispose() => _host.DisposeDataSources();

    private HostAddresses Addresses(TimeSpan pinFor)
        => _host.Addresses = new HostAddresses(_host, address =>
        {
            _built.Add(address);
            return NpgsqlDataSource.Create($"Host={address};Port=5432;Username=u");
        }, _time, pinFor);

    private static IPAddress[] Parse(string addresses) => addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToArray();

    private static string Show(IEnumerable<IPAddress> addresses) => string.Join(" ", addresses);

    [Theory]
    [InlineData("db.example", 5432, true)]
    [InlineData("localhost", 5432, true)]
    [InlineData("127.0.0.1", 5432, false)]
    [InlineData("::1", 5432, false)]
    [InlineData("2001:db8::7", 5432, false)]
    [InlineData("/var/run/postgresql", 5432, false)]
    public void Only_servers_given_by_a_host_name_race_their_addresses(string host, int port, bool expected)
        => HostAddresses.AppliesTo(new ServerEndpoint(host, port)).Should().Be(expected);

    [Theory]
    [InlineData("2001:db8::1 2001:db8::2 192.0.2.1 192.0.2.2", "2001:db8::1 192.0.2.1 2001:db8::2 192.0.2.2")]
    [InlineData("192.0.2.1 192.0.2.2 2001:db8::1", "192.0.2.1 2001:db8::1 192.0.2.2")]
    [InlineData("2001:db8::1 2001:db8::2 2001:db8::3 192.0.2.1", "2001:db8::1 192.0.2.1 2001:db8::2 2001:db8::3")]
    [InlineData("192.0.2.1 192.0.2.2", "192.0.2.1 192.0.2.2")]
    [InlineData("::1 127.0.0.1", "::1 127.0.0.1")]
    [InlineData("192.0.2.1 192.0.2.1 2001:db8::1 192.0.2.1", "192.0.2.1 2001:db8::1")]
    [InlineData("", "")]
    public void Race_order_alternates_address_families_from_the_family_of_the_first(string resolved, string expected)
        => Show(HostAddresses.RaceOrder(Parse(resolved), shuffle: null)).Should().Be(expected);

    [Fact]
    public void Load_balancing_shuffles_the_addresses_before_interleaving_them()
    {
        // Fisher-Yates with j = floor(r * (i + 1)): r = 0 moves each last address to the front in turn.
        var resolved = Parse("192.0.2.1 192.0.2.2 192.0.2.3 2001:db8::1");

        Show(HostAddresses.RaceOrder(resolved, shuffle: () => 0)).Should().Be("192.0.2.2 2001:db8::1 192.0.2.3 192.0.2.1");
        Show(HostAddresses.RaceOrder(resolved, shuffle: () => 0.999)).Should().Be("192.0.2.1 2001:db8::1 192.0.2.2 192.0.2.3");
    }

    [Theory]
    [InlineData("db.example", 5432, null, "db.example")]
    [InlineData("db.example", 5432, "192.0.2.7", "db.example at 192.0.2.7")]
    [InlineData("db.example", 5432, "2001:db8::7", "db.example at [2001:db8::7]")]
    public void Addresses_are_shown_with_their_name(string host, int port, string? address, string expected)
        => HostAddresses.Describe(new ServerEndpoint(host, port), address is null ? null : IPAddress.Parse(address)).Should().Be(expected);

    [Fact]
    public void Each_address_gets_one_data_source_built_on_first_use()
    {
        var addresses = Addresses(TimeSpan.FromSeconds(10));

        var first = addresses.For(IPAddress.Parse("192.0.2.1"));
        var again = addresses.For(IPAddress.Parse("192.0.2.1"));
        var other = addresses.For(IPAddress.Parse("2001:db8::1"));

        again.Should().BeSameAs(first);
        other.Should().NotBeSameAs(first);
        Show(_built).Should().Be("192.0.2.1 2001:db8::1");
    }

    [Fact]
    public void A_pin_routes_opens_to_the_address_until_the_interval_has_passed()
    {
        var addresses = Addresses(TimeSpan.FromSeconds(10));
        var address = IPAddress.Parse("192.0.2.1");
        var dataSource = addresses.For(address);

        addresses.Pin(address, dataSource);

        _host.DataSource.Should().BeSameAs(dataSource);
        _host.PinnedAddress.Should().Be(address);
        _time.Advance(TimeSpan.FromSeconds(9.9));
        _host.DataSource.Should().BeSameAs(dataSource);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        _host.DataSource.Should().BeSameAs(_host.NamedDataSource);
        _host.PinnedAddress.Should().BeNull();
    }

    [Fact]
    public void A_new_pin_restarts_the_interval_and_an_unpin_ends_it_at_once()
    {
        var addresses = Addresses(TimeSpan.FromSeconds(10));
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        addresses.Pin(a, addresses.For(a));
        _time.Advance(TimeSpan.FromSeconds(8));

        addresses.Pin(b, addresses.For(b));
        _time.Advance(TimeSpan.FromSeconds(8));

        _host.PinnedAddress.Should().Be(b, "the second pin started its own 10 s");
        addresses.Unpin();
        _host.PinnedAddress.Should().BeNull();
        _host.DataSource.Should().BeSameAs(_host.NamedDataSource);
    }

    [Fact]
    public void A_data_source_retired_by_new_credentials_is_never_pinned()
    {
        var addresses = Addresses(TimeSpan.FromSeconds(10));
        var address = IPAddress.Parse("192.0.2.1");
        var stale = addresses.For(address);
        using var named = NpgsqlDataSource.Create("Host=db.example;Port=5432;Username=v");

        var replaced = _host.Replace(named, a => NpgsqlDataSource.Create($"Host={a};Port=5432;Username=v"));
        addresses.Pin(address, stale);

        replaced.Should().HaveCount(2).And.Contain(stale);
        _host.PinnedAddress.Should().BeNull("a race that began with the old credentials must not route opens to their data source");
        _host.DataSource.Should().BeSameAs(named);
        addresses.For(address).Should().NotBeSameAs(stale);
        foreach (var dataSource in replaced)
        {
            dataSource.Dispose();
        }
    }

    [Fact]
    public void Too_many_addresses_retire_every_data_source_but_the_pinned_one()
    {
        var addresses = Addresses(TimeSpan.FromSeconds(10));
        var pinned = IPAddress.Parse("192.0.2.1");
        var pinnedSource = addresses.For(pinned);
        addresses.Pin(pinned, pinnedSource);
        var others = Enumerable.Range(2, HostAddresses.MaxDataSources - 1).Select(i => addresses.For(IPAddress.Parse($"192.0.2.{i}"))).ToList();

        var newcomer = addresses.For(IPAddress.Parse("198.51.100.1"));

        addresses.For(pinned).Should().BeSameAs(pinnedSource, "the pinned address keeps its data source and pool");
        addresses.For(IPAddress.Parse("192.0.2.2")).Should().NotBeSameAs(others[0], "it was retired and is built anew");
        addresses.For(IPAddress.Parse("198.51.100.1")).Should().BeSameAs(newcomer);
    }
}
