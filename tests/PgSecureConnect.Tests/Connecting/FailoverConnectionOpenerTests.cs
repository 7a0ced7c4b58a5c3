using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// The retry loop on a fake clock: backoff and deadline are checked without sleeping. The servers are loopback ports
/// that nothing listens on (reserved by a bound, non-listening socket), so every attempt is refused at once.
/// </summary>
public sealed class FailoverConnectionOpenerTests : IAsyncDisposable
{
    private readonly Socket _reserved = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly RetryCounter _retries = new();
    private TimerTrackingTimeProvider _time = new();
    private readonly List<HostState> _hosts = [];
    private readonly List<ScriptedServer> _servers = [];

    public FailoverConnectionOpenerTests() => _reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    private int RefusedPort => ((IPEndPoint)_reserved.LocalEndPoint!).Port;

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DataSource.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
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

        var failure = await RunAsync(opener, pendingTimersWhileWaiting: int.MaxValue); // no backoff: the clock never needs to move

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

    [Fact]
    public void Attempt_delay_must_be_positive_or_infinite()
    {
        new RetryPolicy().AttemptDelay.Should().Be(TimeSpan.FromMilliseconds(250));
        new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan }.Validate().Should().BeEmpty();

        new RetryPolicy { AttemptDelay = TimeSpan.Zero }.Validate().Should().Equal("Retry.AttemptDelay must be positive or Timeout.InfiniteTimeSpan; it is 00:00:00.");
        new RetryPolicy { AttemptDelay = TimeSpan.FromMilliseconds(-5) }.Validate().Should().Equal("Retry.AttemptDelay must be positive or Timeout.InfiniteTimeSpan; it is -00:00:00.0050000.");
        new RetryPolicy { AttemptDelay = TimeSpan.FromDays(100) }.Validate().Should().ContainSingle().Which.Should().StartWith("Retry.AttemptDelay must be at most ");
    }

    [Fact]
    public async Task A_race_starts_the_next_server_after_the_attempt_delay_and_cancels_every_attempt_at_the_deadline()
    {
        // Two listeners that accept TCP and never answer. Npgsql honours an open's token only while TCP connects and during
        // the TLS handshake (its connector is still "Connecting" while it waits for the server's first answer), so these
        // cancelled attempts end at Npgsql's own Timeout (5 s, real time): then the accepted side reads end of stream.
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        first.Listen();
        second.Listen();
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromMinutes(1), OverallTimeout = TimeSpan.FromSeconds(5) };
        var opener = CreateOpener(retry, random: 0, ports: [((IPEndPoint)first.LocalEndPoint!).Port, ((IPEndPoint)second.LocalEndPoint!).Port]);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        using var firstAccepted = await first.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await WaitForAsync(() => _time.PendingTimers >= 2, "the deadline and the attempt delay");
        var secondAccept = second.AcceptAsync();
        await Task.Delay(100);
        secondAccept.IsCompleted.Should().BeFalse("the second server waits for the attempt delay, on the (fake) clock");

        _time.Advance(TimeSpan.FromMilliseconds(250));
        using var secondAccepted = await secondAccept.WaitAsync(TimeSpan.FromSeconds(20));
        open.IsCompleted.Should().BeFalse();

        _time.Advance(TimeSpan.FromSeconds(5));
        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(() => open.WaitAsync(TimeSpan.FromSeconds(20)));
        failure.Kind.Should().Be(ConnectionFailureKind.Timeout);
        failure.Attempts.Should().ContainSingle().Which.Raced.Should().BeTrue();
        failure.Message.Should().Contain("the overall timeout of 5 s ran out");
        _hosts.Should().OnlyContain(h => !h.IsOffline, "cut short by the deadline is not (yet) the servers' fault");
        (await ReadsEndOfStreamAsync(firstAccepted)).Should().BeTrue("the first attempt's socket is closed, no later than Npgsql's timeout");
        (await ReadsEndOfStreamAsync(secondAccepted)).Should().BeTrue("the second attempt's socket is closed, no later than Npgsql's timeout");
        await Task.Delay(300);
        _hosts.Should().OnlyContain(h => !h.IsOffline,
            "both attempts' limits were cut to the overall deadline (the connect timeout is a minute), so their running out says nothing about the servers, as without a race");
    }

    [Fact]
    public async Task Racing_attempts_run_out_on_the_opens_clock_and_a_server_whose_own_connect_timeout_ran_out_is_marked()
    {
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        first.Listen();
        second.Listen();
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(2), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = CreateOpener(retry, random: 0, ports: [((IPEndPoint)first.LocalEndPoint!).Port, ((IPEndPoint)second.LocalEndPoint!).Port]);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        using var firstAccepted = await first.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await WaitForAsync(() => _time.PendingTimers >= 3, "the deadline, the first attempt's limit and the attempt delay");
        _time.Advance(TimeSpan.FromMilliseconds(250));
        using var secondAccepted = await second.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        await Task.Delay(200);
        open.IsCompleted.Should().BeFalse("1.75 s of the (fake) clock is within both attempts' 2 s limits, however long the real clock took");

        _time.Advance(TimeSpan.FromMilliseconds(500));
        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(() => open.WaitAsync(TimeSpan.FromSeconds(20)));
        failure.Attempts.Should().HaveCount(2).And.OnlyContain(a => a.Kind == ConnectionFailureKind.Timeout && a.Raced);
        failure.Message.Should().Contain("(attempt 1, raced, connect, at 250 ms, took 2000 ms): timed out");
        failure.Elapsed.Should().Be(TimeSpan.FromSeconds(2.25));
        _hosts.Should().OnlyContain(h => h.IsOffline, "each server's own connect timeout ran out");
    }

    [Fact]
    public async Task A_pooled_open_completes_synchronously_and_costs_no_new_connection()
    {
        var server = Server(ServerScript.Primary);
        var opener = CreateOpener(RetryPolicy.Default, "", server);
        await (await opener.OpenAsync(CancellationToken.None)).DisposeAsync();

        var pooled = opener.OpenAsync(CancellationToken.None);

        var completedAtOnce = pooled.IsCompletedSuccessfully;
        await (await pooled).DisposeAsync();
        completedAtOnce.Should().BeTrue();
        server.Connections.Should().Be(1);
    }

    [Fact]
    public async Task A_pooled_open_of_a_server_that_reported_the_right_role_costs_no_query()
    {
        var server = Server(ServerScript.Primary);
        var opener = CreateOpener(RetryPolicy.Default, "&target_session_attrs=read-write", server);
        await (await opener.OpenAsync(CancellationToken.None)).DisposeAsync();

        var pooled = opener.OpenAsync(CancellationToken.None);

        var completedAtOnce = pooled.IsCompletedSuccessfully;
        await (await pooled).DisposeAsync();
        completedAtOnce.Should().BeTrue();
        server.RoleQueries.Should().Be(0);
        _hosts[0].Role.Should().Be(ServerRole.Primary);
    }

    [Fact]
    public async Task A_pooled_open_never_races()
    {
        var first = Server(ServerScript.Primary);
        var second = Server(ServerScript.Primary);
        var opener = CreateOpener(RetryPolicy.Default, "", first, second);
        opener.Racing.Should().BeTrue();
        await (await opener.OpenAsync(CancellationToken.None)).DisposeAsync();

        var pooled = opener.OpenAsync(CancellationToken.None);

        var completedAtOnce = pooled.IsCompletedSuccessfully;
        await using var connection = await pooled;
        completedAtOnce.Should().BeTrue();
        connection.Port.Should().Be(first.Port);
        second.Connections.Should().Be(0);
    }

    [Fact]
    public async Task A_racing_open_with_a_cancelled_token_ends_at_once_without_an_attempt()
    {
        var first = Server(ServerScript.Primary);
        var second = Server(ServerScript.Primary);
        var opener = CreateOpener(RetryPolicy.Default, "", first, second);

        var open = opener.OpenAsync(new CancellationToken(canceled: true));

        open.IsCanceled.Should().BeTrue("no attempt is started");
        await FluentActions.Awaiting(async () => await open).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_first_attempt_the_caller_cancelled_is_a_cancellation_not_a_failure_report()
    {
        var server = Server(ServerScript.Primary);
        var opener = CreateOpener(RetryPolicy.Default, "", server);

        await FluentActions.Awaiting(async () => await opener.OpenAsync(new CancellationToken(canceled: true))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_synchronous_open_of_a_server_that_reported_the_right_role_is_served_at_once()
    {
        var server = Server(ServerScript.Standby);
        var opener = CreateOpener(RetryPolicy.Default, "&target_session_attrs=standby", server);

        using var connection = await Task.Run(opener.Open);

        connection.Port.Should().Be(server.Port);
        server.RoleQueries.Should().Be(0);
        _hosts[0].Role.Should().Be(ServerRole.Standby);
    }

    [Theory]
    [InlineData("", 0.99, 0)]
    [InlineData("&load_balance_hosts=disable", 0.99, 0)]
    [InlineData("&load_balance_hosts=random", 0.99, 1)]
    [InlineData("&load_balance_hosts=random", 0.0, 0)]
    public async Task Load_balancing_starts_at_a_random_server(string parameters, double random, int served)
    {
        var servers = new[] { Server(ServerScript.Primary), Server(ServerScript.Primary) };
        var opener = CreateOpener(RetryPolicy.Default, parameters, random, servers);

        await using var connection = await opener.OpenAsync(CancellationToken.None);

        connection.Port.Should().Be(servers[served].Port);
    }

    [Fact]
    public void The_limits_of_an_open_come_from_the_settings_before_the_retry_policy()
    {
        var retry = new RetryPolicy { OverallTimeout = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(10) };

        var fromSettings = CreateOpener(retry, "&pool_timeout=3&connect_timeout=7&target_session_attrs=standby", Server(ServerScript.Primary));
        var fromPolicy = CreateOpener(retry, "", Server(ServerScript.Primary));

        (fromSettings.OverallTimeout, fromSettings.ConnectTimeout, fromSettings.Target).Should().Be((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), TargetSessionAttributes.Standby));
        (fromPolicy.OverallTimeout, fromPolicy.ConnectTimeout, fromPolicy.Target).Should().Be((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TargetSessionAttributes.Any));
    }

    [Fact]
    public void Racing_needs_several_servers_and_an_attempt_delay()
    {
        CreateOpener(RetryPolicy.Default, "", Server(ServerScript.Primary)).Racing.Should().BeFalse("one server");
        CreateOpener(RetryPolicy.Default, "", Server(ServerScript.Primary), Server(ServerScript.Primary)).Racing.Should().BeTrue();
        CreateOpener(new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan }, "", Server(ServerScript.Primary), Server(ServerScript.Primary)).Racing.Should().BeFalse("racing is off");
    }

    [Fact]
    public void Without_a_random_source_the_shared_one_is_used()
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://u@127.0.0.1:{RefusedPort}/db?sslmode=disable");
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        var host = new HostState(settings.Servers[0], _ => NpgsqlDataSource.Create("Host=unused;Username=u"));
        _hosts.Add(host);

        var opener = new FailoverConnectionOpener([host], settings, RetryPolicy.Default, _time, health, NullLogger.Instance);

        opener.Random().Should().BeInRange(0.0, 1.0);
    }

    private ScriptedServer Server(ServerScript script)
    {
        var server = new ScriptedServer(script);
        _servers.Add(server);
        return server;
    }

    private FailoverConnectionOpener CreateOpener(RetryPolicy retry, string parameters, params ScriptedServer[] servers)
        => CreateOpener(retry, parameters, random: 0, servers);

    private FailoverConnectionOpener CreateOpener(RetryPolicy retry, string parameters, double random, ScriptedServer[] servers)
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://u:p@{string.Join(",", servers.Select(s => $"127.0.0.1:{s.Port}"))}/db?sslmode=disable{parameters}");
        var hosts = settings.Servers.Select(server => new HostState(server, _ => ScriptedServer.DataSource(new NpgsqlConnectionStringBuilder(settings.ToNpgsqlConnectionStringBuilder().ConnectionString)
        {
            Host = server.Host,
            Port = server.Port,
            Timeout = 5,
            TargetSessionAttributes = null,
            LoadBalanceHosts = false,
        }))).ToArray();
        _hosts.AddRange(hosts);
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        return new FailoverConnectionOpener(hosts, settings, retry, _time, health, _retries, () => random);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var guard = Stopwatch.StartNew();
        while (!condition())
        {
            guard.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), what);
            await Task.Delay(5);
        }
    }

    /// <summary>Reads what the client sent (its startup message) until the client closes: true on end of stream.</summary>
    private static async Task<bool> ReadsEndOfStreamAsync(Socket accepted)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (await accepted.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private FailoverConnectionOpener CreateOpener(RetryPolicy retry, double random, int[] ports)
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://u:p@{string.Join(",", ports.Select(p => $"127.0.0.1:{p}"))}/db?sslmode=disable");
        foreach (var server in settings.Servers)
        {
            _hosts.Add(new HostState(server, _ => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ToNpgsqlConnectionStringBuilder().ConnectionString)
            {
                Host = server.Host,
                Port = server.Port,
                Timeout = 5,
            })));
        }

        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, _retries, () => random);
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
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, _retries, () => random);
    }

    /// <summary>
    /// Runs an open to its failure, moving the fake clock to the next timer each time the opener has scheduled a retry
    /// and waits on its backoff (with the deadline, if any: <paramref name="pendingTimersWhileWaiting"/> timers). Counting
    /// timers alone is not enough: an attempt under way holds its own limit's timer, and jumping to that would time it out.
    /// </summary>
    private async Task<ConnectionFailedException> RunAsync(FailoverConnectionOpener opener, int pendingTimersWhileWaiting)
    {
        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        var guard = Stopwatch.StartNew();
        var advances = 0;
        while (!open.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_retries.Scheduled > advances && _time.PendingTimers >= pendingTimersWhileWaiting)
            {
                advances++;
                _time.AdvanceToNextTimer();
            }

            await Task.Delay(5);
        }

        open.IsCompleted.Should().BeTrue("the fake clock drives every wait");
        return (await Assert.ThrowsAsync<ConnectionFailedException>(() => open));
    }

    /// <summary>Counts the opener's "retry scheduled" log entries, which it writes just before it waits on its backoff.</summary>
    private sealed class RetryCounter : ILogger
    {
        private int _scheduled;

        public int Scheduled => Volatile.Read(ref _scheduled);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == PgSecureConnectEventId.RetryScheduled)
            {
                Interlocked.Increment(ref _scheduled);
            }
        }
    }
}
