using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// How a pass over the servers ends (a login error part way through stops it), how long the wait before the next pass
/// is (never past the overall deadline), and what a pooled connection of the wrong kind is worth on the fast path.
/// </summary>
public sealed class RetryingOpenPassTests() : ScriptedOpenerTestBed(connectTimeoutSeconds: 2)
{
    [Fact]
    public async Task A_login_error_part_way_through_a_pass_stops_it_before_the_next_server()
    {
        var refusing = Server(ServerScript.Refuse("28P01", "password authentication failed"));
        var spare = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), refusing.Port, spare.Port], Sequential());

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(() => opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        failure.Kind.Should().Be(ConnectionFailureKind.Authentication);
        spare.Connections.Should().Be(0, "other servers would say the same");
    }

    [Fact]
    public async Task The_wait_before_the_next_pass_is_cut_to_what_is_left_of_the_overall_deadline()
    {
        var retry = new RetryPolicy
        {
            MaxAttempts = 2,
            BaseDelay = TimeSpan.FromMinutes(10),
            MaxDelay = TimeSpan.FromMinutes(10),
            AttemptDelay = Timeout.InfiniteTimeSpan,
            OverallTimeout = TimeSpan.FromSeconds(30),
        };
        var opener = Opener([RefusedPort()], retry, random: 1.0);

        await Assert.ThrowsAsync<ConnectionFailedException>(() => DriveAsync(opener.OpenAsync(CancellationToken.None).AsTask(), TimeSpan.FromSeconds(30), pendingTimersWhileWaiting: 2));

        Logger.Messages(PgSecureConnectEventId.RetryScheduled).Should().Equal("Waiting 30000 ms before attempt 2");
    }

    [Fact]
    public async Task A_pooled_connection_to_a_server_of_the_wrong_kind_does_not_serve_the_fast_path()
    {
        var primary = Server(ServerScript.Primary);
        var standby = Server(ServerScript.Standby);
        var any = Opener([primary.Port, standby.Port], Sequential());
        await using (var first = await any.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            first.Port.Should().Be(primary.Port);
        }

        // A second opener over the same servers, for standbys: the primary's pooled connection comes back at once.
        var settings = ConnectionSettings.FromUrl($"postgresql://app@127.0.0.1:{primary.Port},127.0.0.1:{standby.Port}/db?sslmode=disable&target_session_attrs=standby");
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        var forStandby = new FailoverConnectionOpener([.. Hosts], settings, Sequential(), Time, health, Logger, () => 0) { FactoryName = "retrying-pass-standby" };

        await using var connection = await forStandby.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(standby.Port, "a pooled connection to a primary does not satisfy target_session_attrs=standby");
        Hosts[0].Role.Should().Be(ServerRole.Primary);
    }
}
