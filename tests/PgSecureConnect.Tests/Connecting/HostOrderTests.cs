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

    private HostOrder Order(bool loadBalance = false, double random = 0)
        => new(_hosts, TargetSessionAttributes.Any, loadBalance, () => random, _time, Memory);

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
}
