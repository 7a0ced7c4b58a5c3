using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The one ordering rule, including the short memory of a server that lost a race (issue 14).</summary>
public sealed class HostOrderTests : IDisposable
{
    private static readonly TimeSpan Memory = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly HostState[] _hosts;

    public HostOrderTests()
    {
        var settings = ConnectionSettings.FromUrl("postgresql://u:p@a:5432,b:5432,c:5432/db");
        _hosts = settings.Servers.Select(server => new HostState(server, _ => NpgsqlDataSource.Create($"Host={server.Host};Port={server.Port};Username=u"))).ToArray();
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.DataSource.Dispose();
        }
    }

    private HostOrder Order(bool loadBalance = false, double random = 0, TargetSessionAttributes target = TargetSessionAttributes.Any)
        => new(_hosts, target, loadBalance, () => random, _time, Memory);

    private static string[] Names(IEnumerable<HostState> hosts) => hosts.Select(h => h.Server.Host).ToArray();

    [Fact]
    public void A_server_that_lost_a_race_is_tried_after_the_others_but_before_offline_ones()
    {
        _hosts[0].MarkLostRace(_time.GetTimestamp());
        _hosts[1].TryMarkOffline();

        Order().Preferred().Server.Host.Should().Be("c");
        Names(Order().Candidates(null)).Should().Equal("c", "a", "b");
        _hosts[0].IsOffline.Should().BeFalse("losing a race is not being unreachable");
    }

    [Fact]
    public void The_memory_of_a_lost_race_runs_out()
    {
        _hosts[0].MarkLostRace(_time.GetTimestamp());
        _time.Advance(Memory - TimeSpan.FromMilliseconds(1));
        Order().Preferred().Server.Host.Should().Be("b");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Order().Preferred().Server.Host.Should().Be("a");
    }

    [Fact]
    public void A_server_that_answers_is_tried_in_its_place_again()
    {
        _hosts[0].MarkLostRace(_time.GetTimestamp());
        _hosts[0].ClearLostRace();

        Names(Order().Candidates(null)).Should().Equal("a", "b", "c");
    }

    [Fact]
    public void Load_balancing_shuffles_within_a_rank_and_keeps_a_race_loser_behind()
    {
        _hosts[2].MarkLostRace(_time.GetTimestamp());

        // random() = 0 swaps each position with the first (Fisher-Yates from the end): [a, b] becomes [b, a].
        Names(Order(loadBalance: true, random: 0).Candidates(null)).Should().Equal("b", "a", "c");
        Order(loadBalance: true, random: 0.99).Preferred().Server.Host.Should().Be("a", "the random start falls on c, which lost a race, so the next server of rank 0 is chosen");
    }

    [Fact]
    public void Servers_last_seen_of_the_wrong_kind_go_after_servers_of_the_right_kind_and_unseen_ones()
    {
        _hosts[0].Role = ServerRole.Standby;
        _hosts[2].Role = ServerRole.Primary;

        var order = Order(target: TargetSessionAttributes.ReadWrite);

        order.Preferred().Server.Host.Should().Be("b", "a was last seen as a standby; b has not been seen yet");
        Names(order.Candidates(null)).Should().Equal("b", "c", "a");
    }

    [Fact]
    public void A_server_of_the_right_kind_ranks_first_even_when_others_are_unseen()
    {
        _hosts[0].Role = ServerRole.Standby;
        _hosts[1].Role = ServerRole.Standby;
        _hosts[2].Role = ServerRole.Standby;

        Order(target: TargetSessionAttributes.ReadOnly).Preferred().Server.Host.Should().Be("a");
        Order(target: TargetSessionAttributes.Primary).Preferred().Server.Host.Should().Be("a", "no server fits: the first attempt goes to the start of the list");
        Names(Order(target: TargetSessionAttributes.Primary).Candidates(null)).Should().Equal("a", "b", "c");
    }

    [Fact]
    public void An_offline_server_of_the_right_kind_still_goes_last()
    {
        _hosts[0].Role = ServerRole.Primary;
        _hosts[0].TryMarkOffline();
        _hosts[1].Role = ServerRole.Standby;

        Names(Order(target: TargetSessionAttributes.ReadWrite).Candidates(null)).Should().Equal("c", "b", "a");
    }

    [Fact]
    public void Candidates_leave_out_the_server_already_tried()
        => Names(Order().Candidates(_hosts[1])).Should().Equal("a", "c");

    [Fact]
    public void Candidates_of_a_later_pass_include_every_server()
        => Names(Order().Candidates(null)).Should().Equal("a", "b", "c");

    [Fact]
    public void With_every_server_offline_the_first_attempt_goes_to_the_start_of_the_list()
    {
        foreach (var host in _hosts)
        {
            host.TryMarkOffline();
        }

        Order().Preferred().Server.Host.Should().Be("a");
        Order(loadBalance: true, random: 0.5).Preferred().Server.Host.Should().Be("b", "0.5 of three servers starts at the second");
    }

    [Theory]
    [InlineData(0.0, "a")]
    [InlineData(0.4, "b")]
    [InlineData(0.7, "c")]
    [InlineData(1.0, "a")]
    public void Load_balancing_starts_the_first_attempt_at_a_random_server(double random, string expected)
        => Order(loadBalance: true, random: random).Preferred().Server.Host.Should().Be(expected);

    [Fact]
    public void Without_load_balancing_the_random_source_is_never_used()
    {
        var order = new HostOrder(_hosts, TargetSessionAttributes.Any, loadBalance: false, () => throw new InvalidOperationException("random() was called"), _time, Memory);

        order.Preferred().Server.Host.Should().Be("a");
        Names(order.Candidates(null)).Should().Equal("a", "b", "c");
    }

    [Theory]
    [InlineData(0.5, new[] { "a", "c", "b" })]
    [InlineData(0.99, new[] { "a", "b", "c" })]
    [InlineData(1.0, new[] { "b", "c", "a" })]
    public void Load_balancing_shuffles_the_candidates_with_Fisher_Yates(double random, string[] expected)
    {
        // From the end: position i swaps with (int)(random × (i + 1)) mod (i + 1).
        Names(Order(loadBalance: true, random: random).Candidates(null)).Should().Equal(expected);
    }

    [Fact]
    public void A_single_server_is_always_the_preferred_one()
    {
        var settings = ConnectionSettings.FromUrl("postgresql://u:p@only:5432/db");
        using var dataSource = NpgsqlDataSource.Create("Host=only;Username=u");
        var only = new HostState(settings.Servers[0], _ => dataSource);
        only.TryMarkOffline();
        only.Role = ServerRole.Standby;

        var order = new HostOrder([only], TargetSessionAttributes.ReadWrite, loadBalance: false, () => 0, _time, Memory);

        order.Preferred().Should().BeSameAs(only);
    }
}
