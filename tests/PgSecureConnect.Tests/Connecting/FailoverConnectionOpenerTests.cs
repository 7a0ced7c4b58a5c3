using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// The retry loop on a fake clock: backoff and deadline are checked without sleeping. The servers are loopback ports
/// that nothing listens on (reserved by a bound, non-listening socket), so every attempt is refused at once.
/// </summary>
public sealed class FailoverConnectionOpenerTests : IDisposable
{
    private readonly Socket _reserved = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private TimerTrackingTimeProvider _time = new();
    private readonly List<HostState> _hosts = [];

    public FailoverConnectionOpenerTests() => _reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    private int RefusedPort => ((IPEndPoint)_reserved.LocalEndPoint!).Port;

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.DataSource.Dispose();
        }

        _reserved.Dispose();
    }

    [Fact]
    public async Task Waits_full_jitter_exponential_backoff_between_attempts()
    {
        var retry = new RetryPolicy { MaxAttempts = 4, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), OverallTimeout = Timeout.InfiniteTimeSpan };
        var opener = CreateOpener(retry, random: 1.0);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 1);

        failure.Attempts.Select(a => a.Attempt).Should().Equal(1, 2, 3, 4);
        failure.Attempts.Select(a => a.StartedAfter).Should().Equal(TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7));
        failure.Message.Should().Contain("all 4 attempt(s) allowed by the retry policy were used");
    }

    [Fact]
    public async Task Jitter_scales_each_delay()
    {
        var retry = new RetryPolicy { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(10), OverallTimeout = Timeout.InfiniteTimeSpan };
        var opener = CreateOpener(retry, random: 0.25);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 1);

        failure.Attempts.Select(a => a.StartedAfter).Should().Equal(TimeSpan.Zero, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Overall_deadline_cuts_the_last_wait_short_and_stops()
    {
        var retry = new RetryPolicy { MaxAttempts = 100, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromSeconds(5) };
        var opener = CreateOpener(retry, random: 1.0);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 2);

        failure.Attempts.Select(a => a.StartedAfter).Should().Equal(TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        failure.Elapsed.Should().Be(TimeSpan.FromSeconds(5));
        failure.Message.Should().Contain("the overall timeout of 5 s ran out");
    }

    [Fact]
    public async Task A_deadline_too_close_to_start_another_attempt_ends_the_open_at_once()
    {
        var retry = new RetryPolicy { MaxAttempts = 100, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1), OverallTimeout = TimeSpan.FromSeconds(1.03) };
        var opener = CreateOpener(retry, random: 1.0);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 2);

        failure.Attempts.Select(a => a.StartedAfter).Should().Equal([TimeSpan.Zero], "30 ms is too little to start a second attempt");
        failure.Elapsed.Should().Be(TimeSpan.FromSeconds(1), "waiting out the last 30 ms would change nothing");
        failure.Message.Should().Contain("the overall timeout of 1.03 s ran out");
    }

    [Fact]
    public async Task A_wait_that_ends_a_fraction_of_a_millisecond_early_does_not_use_up_the_attempts_without_trying()
    {
        // The CI failure: a 0.4 ms wait before the deadline ends at once on system timers, and the loop spun through
        // every remaining pass without trying a server, then blamed the attempt limit rather than the deadline.
        _time = new TimerTrackingTimeProvider { WholeMillisecondTimers = true };
        var retry = new RetryPolicy { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1), OverallTimeout = TimeSpan.FromSeconds(1.0004) };
        var opener = CreateOpener(retry, random: 1.0);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 2);

        failure.Attempts.Select(a => a.Attempt).Should().Equal(1);
        failure.Message.Should().Contain("the overall timeout of 1 s ran out").And.NotContain("attempt(s) allowed by the retry policy were used");
    }

    [Fact]
    public async Task Every_server_is_tried_in_each_attempt_and_unreachable_ones_are_marked()
    {
        var retry = new RetryPolicy { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, OverallTimeout = Timeout.InfiniteTimeSpan };
        var opener = CreateOpener(retry, random: 1.0, servers: 3);

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: 1);

        failure.Attempts.Should().HaveCount(6, failure.Message);
        failure.Attempts.Select(a => a.Attempt).Should().Equal(1, 1, 1, 2, 2, 2);
        failure.Attempts.Should().OnlyContain(a => a.Kind == ConnectionFailureKind.Unreachable && a.Phase == ConnectionPhase.Connect);
        _hosts.Should().OnlyContain(h => h.IsOffline);
    }

    [Fact]
    public void Invalid_retry_policy_is_an_argument_error_listing_every_problem()
    {
        var options = new ConnectionFactoryOptions { Retry = new RetryPolicy { MaxAttempts = 0, BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1), HostRecheckInterval = TimeSpan.Zero } };

        var exception = Assert.Throws<ArgumentException>(() => ConnectionFactory.FromUrl("postgresql://localhost/db", options));

        exception.ParamName.Should().Be("options");
        exception.Message.Should().Be(
            "The connection factory options are invalid:\n" +
            "- Retry.MaxAttempts must be at least 1; it is 0.\n" +
            "- Retry.MaxDelay (00:00:01) must not be less than Retry.BaseDelay (00:00:02).\n" +
            "- Retry.HostRecheckInterval must be positive; it is 00:00:00. (Parameter 'options')");
    }

    private FailoverConnectionOpener CreateOpener(RetryPolicy retry, double random, int servers = 1)
    {
        var hosts = string.Join(",", Enumerable.Range(0, servers).Select(i => $"127.0.0.{i + 1}:{RefusedPort}"));
        var settings = ConnectionSettings.FromUrl($"postgresql://u:p@{hosts}/db?sslmode=disable");
        foreach (var server in settings.Servers)
        {
            var host = new HostState(server, _ => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ToNpgsqlConnectionStringBuilder().ConnectionString)
            {
                Host = server.Host,
                Port = server.Port,
                Timeout = 5,
            }));
            _hosts.Add(host);
        }

        // Host rechecks run on the real clock an hour away, so the fake clock only carries the opener's own timers.
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, NullLogger.Instance, () => random);
    }

    /// <summary>Runs an open to its failure, advancing the fake clock whenever the opener waits on its timers only.</summary>
    private async Task<ConnectionFailedException> RunAsync(FailoverConnectionOpener opener, int pendingTimersWhileWaiting)
    {
        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        var guard = Stopwatch.StartNew();
        while (!open.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_time.PendingTimers >= pendingTimersWhileWaiting)
            {
                _time.AdvanceToNextTimer();
            }

            await Task.Delay(5);
        }

        open.IsCompleted.Should().BeTrue("the fake clock drives every wait");
        return (await Assert.ThrowsAsync<ConnectionFailedException>(() => open));
    }
}
