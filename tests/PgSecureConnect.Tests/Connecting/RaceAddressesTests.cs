using System.Net;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>Which address of a host name a race starts next (issue 14), with a resolver the test answers by hand.</summary>
public sealed class RaceAddressesTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Dictionary<string, TaskCompletionSource<IPAddress[]>> _lookups = [];
    private readonly List<string> _asked = [];
    private readonly List<HostState> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.DisposeDataSources();
        }
    }

    private HostState Host(string name)
    {
        var server = new ServerEndpoint(name, 5432);
        var host = new HostState(server, _ => NpgsqlDataSource.Create($"Host={name};Port=5432;Username=u"));
        if (HostAddresses.AppliesTo(server))
        {
            host.Addresses = new HostAddresses(host, a => NpgsqlDataSource.Create($"Host={a};Port=5432;Username=u"), _time, TimeSpan.FromSeconds(10));
        }

        _hosts.Add(host);
        return host;
    }

    private RaceAddresses Race(Func<double>? shuffle = null) => new((name, _) =>
    {
        _asked.Add(name);
        var lookup = new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lookups[name] = lookup;
        return lookup.Task;
    }, shuffle, CancellationToken.None);

    private RacingAttempt Attempt(HostState host, IPAddress? address = null)
        => RacingAttempt.Start(host, address, host.DataSource, 1, TimeSpan.Zero, new AttemptLimit(Timeout.InfiniteTimeSpan, IsConnectTimeout: true),
            _ => new TaskCompletionSource<NpgsqlConnection>().Task, _time, CancellationToken.None);

    private static IPAddress[] Parse(string addresses) => addresses.Split(' ').Select(IPAddress.Parse).ToArray();

    private static string? Next(RaceAddresses race) => race.TakeNext() is var (host, address) ? $"{host.Server.Host} {address}" : null;

    [Fact]
    public void The_other_addresses_of_a_name_follow_its_attempt_by_name_once_resolved()
    {
        var race = Race();
        var db = Host("db.example");

        race.Started(Attempt(db));

        _asked.Should().Equal("db.example");
        race.MayHaveMore.Should().BeTrue("the name is being resolved");
        Next(race).Should().BeNull("the race never waits for a resolution");
        _lookups["db.example"].SetResult(Parse("2001:db8::1 2001:db8::2 192.0.2.1"));
        Next(race).Should().Be("db.example 192.0.2.1", "the attempt by name is on the first address, and the next family comes next");
        race.MayHaveMore.Should().BeTrue();
        Next(race).Should().Be("db.example 2001:db8::2");
        race.MayHaveMore.Should().BeFalse();
        Next(race).Should().BeNull();
    }

    [Fact]
    public void An_attempt_pinned_to_an_address_leaves_out_that_address_instead_of_the_first()
    {
        var race = Race();
        var db = Host("db.example");

        race.Started(Attempt(db, IPAddress.Parse("192.0.2.2")));
        _lookups["db.example"].SetResult(Parse("192.0.2.1 192.0.2.2 192.0.2.3"));

        Next(race).Should().Be("db.example 192.0.2.1");
        Next(race).Should().Be("db.example 192.0.2.3");
        Next(race).Should().BeNull();
    }

    [Fact]
    public void A_failed_attempt_by_name_ends_the_addresses_of_its_server()
    {
        var race = Race();
        var db = Host("db.example");
        race.Started(Attempt(db));
        _lookups["db.example"].SetResult(Parse("192.0.2.1 192.0.2.2"));

        race.NameFailed(db);

        Next(race).Should().BeNull("Npgsql tried each address of the name in that attempt");
        race.MayHaveMore.Should().BeFalse();
    }

    [Fact]
    public void Servers_are_served_in_the_order_their_attempts_started_and_each_name_is_resolved_once()
    {
        var race = Race();
        var first = Host("first.example");
        var second = Host("second.example");
        race.Started(Attempt(first));
        race.Started(Attempt(second));
        race.Started(Attempt(first, IPAddress.Parse("192.0.2.9")));

        _lookups["second.example"].SetResult(Parse("198.51.100.1 198.51.100.2"));
        Next(race).Should().Be("second.example 198.51.100.2", "the first server's name has not resolved yet");
        _lookups["first.example"].SetResult(Parse("192.0.2.1 192.0.2.2"));

        Next(race).Should().Be("first.example 192.0.2.2");
        _asked.Should().Equal("first.example", "second.example");
    }

    [Fact]
    public void Servers_given_by_an_address_and_names_that_do_not_resolve_add_nothing()
    {
        var race = Race();
        var literal = Host("192.0.2.1");
        var broken = Host("broken.example");
        var single = Host("single.example");

        race.Started(Attempt(literal));
        race.Started(Attempt(broken));
        race.Started(Attempt(single));
        _lookups["broken.example"].SetException(new System.Net.Sockets.SocketException(11001));
        _lookups["single.example"].SetResult(Parse("192.0.2.5"));

        _asked.Should().Equal("broken.example", "single.example");
        Next(race).Should().BeNull();
        race.MayHaveMore.Should().BeFalse();
    }

    [Fact]
    public void A_resolver_that_throws_at_once_adds_nothing()
    {
        var race = new RaceAddresses((_, _) => throw new System.Net.Sockets.SocketException(11001), null, CancellationToken.None);

        race.Started(Attempt(Host("db.example")));

        Next(race).Should().BeNull();
        race.MayHaveMore.Should().BeFalse();
    }
}
