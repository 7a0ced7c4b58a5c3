using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A race that ends leaves no timer behind on the open's clock: the attempt delay still pending, the winner's and the
/// losers' own connect timeouts are all released.
/// </summary>
public sealed class RaceTimerCleanupTests : ScriptedOpenerTestBed
{
    [Fact]
    public async Task A_race_that_was_won_leaves_no_timer_pending()
    {
        var silent = BlackHolePort();
        var primary = Server(ServerScript.Primary);
        var third = Server(ServerScript.Primary);
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = Opener([silent, primary.Port, third.Port], retry);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        await WaitForAsync(() => Time.PendingTimers >= 3, "the deadline, the first attempt's limit and the attempt delay");
        Time.Advance(TimeSpan.FromMilliseconds(250));
        await using var connection = await open.WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(primary.Port);
        third.Connections.Should().Be(0);
        Time.PendingTimers.Should().Be(0, "the next attempt delay, the winner's and the loser's connect timeouts were released with the race");
    }
}
