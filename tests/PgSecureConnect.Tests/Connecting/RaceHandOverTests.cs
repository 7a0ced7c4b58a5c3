using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A racing attempt that fails while another is still under way hands over to the next server at once, not after
/// another attempt delay (RFC 8305, section 5).
/// </summary>
public sealed class RaceHandOverTests : ScriptedOpenerTestBed
{
    [Fact]
    public async Task A_raced_attempt_that_fails_while_the_first_is_still_silent_starts_the_next_server_at_once()
    {
        var silent = BlackHolePort();
        var refused = RefusedPort();
        var primary = Server(ServerScript.Primary);
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = Opener([silent, refused, primary.Port], retry);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        await WaitForAsync(() => Time.PendingTimers >= 3, "the deadline, the first attempt's limit and the attempt delay");
        Time.Advance(TimeSpan.FromMilliseconds(250));

        // The clock does not move again: the primary is started by the refusal, not by a second attempt delay.
        await using var connection = await open.WaitAsync(TimeSpan.FromSeconds(10));

        connection.Port.Should().Be(primary.Port);
        Hosts[1].IsOffline.Should().BeTrue();
        Logger.Messages(PgSecureConnectEventId.AttemptRaced).Should().ContainSingle();
    }
}
