using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A race loser that was stopped once its own connect timeout had (almost) run out, and whose open then ends without a
/// connection, is the server's own failure: it is marked unreachable, as it would have been without the race.
/// </summary>
public sealed class RacingAttemptObserveLateTests() : ScriptedOpenerTestBed(connectTimeoutSeconds: 2)
{
    [Fact]
    public async Task A_race_loser_stopped_at_nine_tenths_of_its_connect_timeout_whose_open_then_fails_is_marked_unreachable()
    {
        var firstAnswer = new TaskCompletionSource();
        var secondAnswer = new TaskCompletionSource();
        var slow = Server(ServerScript.Primary with { Hold = firstAnswer.Task });
        var later = Server(ServerScript.Primary with { Hold = secondAnswer.Task });
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = Opener([slow.Port, later.Port], retry);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        await WaitForAsync(() => Time.PendingTimers >= 3, "the attempt delay");
        Time.Advance(TimeSpan.FromMilliseconds(250));
        await WaitForAsync(() => later.Connections == 1, "the second server to be raced");

        // Exactly nine tenths of the first attempt's 10 s connect timeout: the second server answers and wins.
        Time.Advance(TimeSpan.FromMilliseconds(8750));
        secondAnswer.SetResult();
        await using var connection = await open.WaitAsync(TimeSpan.FromSeconds(30));
        connection.Port.Should().Be(later.Port);
        Hosts[0].IsOffline.Should().BeFalse("its cancelled open has not ended yet");

        // The cancelled open ends without a connection at its next step.
        firstAnswer.SetResult();
        await WaitForAsync(() => slow.Ended == 1, "the cancelled open to end");
        await WaitForAsync(() => Hosts[0].IsOffline, "the loser to be marked unreachable: its open ran for nine tenths of its connect timeout");
        Hosts[1].IsOffline.Should().BeFalse();
    }
}
