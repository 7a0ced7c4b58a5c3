using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>Dead servers remembered and checked again in the background, on a fake clock with a probe the test decides.</summary>
public sealed class HostHealthMonitorTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly TimerTrackingTimeProvider _time = new();
    private readonly RecordingLogger _logger = new();
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create("Host=unused;Username=u");
    private readonly HostState _host;
    private readonly Queue<Func<Task>> _outcomes = new();
    private readonly List<HostState> _probed = [];
    private readonly HostHealthMonitor _monitor;

    public HostHealthMonitorTests()
    {
        _host = new HostState(new ServerEndpoint("db1.internal", 5432), _ => _dataSource);
        _monitor = new HostHealthMonitor(_time, Interval, Probe, _logger);
    }

    public void Dispose()
    {
        _monitor.Dispose();
        _dataSource.Dispose();
    }

    private Task Probe(HostState host, CancellationToken cancellationToken)
    {
        _probed.Add(host);
        return _outcomes.Count > 0 ? _outcomes.Dequeue()() : Task.CompletedTask;
    }

    private static Task Refused() => Task.FromException(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)));

    [Fact]
    public void An_unreachable_server_is_marked_offline_logged_and_checked_after_the_interval()
    {
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _host.IsOffline.Should().BeTrue();
        _logger.Entries.Should().ContainSingle().Which.Should().Be(new RecordingLogger.Entry(PgSecureConnectEventId.HostMarkedOffline, LogLevel.Warning,
            "db1.internal:5432 is unreachable (Unreachable); skipping it for 10 s until a background check reaches it again"));
        _time.PendingTimers.Should().Be(1);

        _time.Advance(Interval - TimeSpan.FromTicks(1));
        _probed.Should().BeEmpty();

        _time.Advance(TimeSpan.FromTicks(1));
        _probed.Should().Equal(_host);
    }

    [Fact]
    public void A_server_that_answers_the_check_is_used_again()
    {
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Timeout);

        _time.Advance(Interval);

        _host.IsOffline.Should().BeFalse();
        _logger.Messages(PgSecureConnectEventId.HostBackOnline).Should().Equal("db1.internal:5432 answers again and is used again");
        _time.PendingTimers.Should().Be(0, "no further check");
    }

    [Fact]
    public void A_server_still_unreachable_is_checked_again_after_another_interval()
    {
        _outcomes.Enqueue(Refused);
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _time.Advance(Interval);
        _host.IsOffline.Should().BeTrue();
        _time.PendingTimers.Should().Be(1);

        _time.Advance(Interval);
        _probed.Should().HaveCount(2);
        _host.IsOffline.Should().BeFalse();
        _logger.Messages(PgSecureConnectEventId.HostMarkedOffline).Should().HaveCount(1, "going offline is logged once, not at every check");
    }

    [Fact]
    public void A_check_that_runs_out_of_time_is_tried_again()
    {
        _outcomes.Enqueue(() => Task.FromCanceled(new CancellationToken(canceled: true)));
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Timeout);

        _time.Advance(Interval);

        _host.IsOffline.Should().BeTrue();
        _time.PendingTimers.Should().Be(1);
    }

    [Fact]
    public void A_server_that_answers_the_check_with_a_refusal_is_reachable_so_callers_see_the_real_error()
    {
        _outcomes.Enqueue(() => Task.FromException(new NpgsqlException("wrapped", new PostgresException("password authentication failed", "FATAL", "FATAL", "28P01"))));
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _time.Advance(Interval);

        _host.IsOffline.Should().BeFalse();
        _time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public async Task A_slow_check_decides_when_it_ends()
    {
        var answer = new TaskCompletionSource();
        _outcomes.Enqueue(() => answer.Task);
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _time.Advance(Interval);
        _host.IsOffline.Should().BeTrue("the check has not answered yet");

        answer.SetResult();
        await WaitForAsync(() => !_host.IsOffline);
        _host.IsOffline.Should().BeFalse();
    }

    [Fact]
    public void Reports_while_a_server_is_offline_schedule_no_second_check()
    {
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Timeout);

        _time.PendingTimers.Should().Be(1);
        _logger.Entries.Should().HaveCount(1);
    }

    [Fact]
    public void A_server_that_comes_back_and_goes_down_again_has_one_check_pending_not_two()
    {
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);
        _time.Advance(Interval / 2);
        _monitor.ReportReachable(_host);

        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _time.PendingTimers.Should().Be(1);
        _time.Advance(Interval / 2);
        _probed.Should().BeEmpty("the check of the first outage was replaced by the one of the second");
        _time.Advance(Interval / 2);
        _probed.Should().Equal(_host);
    }

    [Fact]
    public void A_reachable_report_for_a_server_that_was_online_logs_nothing()
    {
        _monitor.ReportReachable(_host);

        _host.IsOffline.Should().BeFalse();
        _logger.Entries.Should().BeEmpty();
    }

    [Fact]
    public void A_reachable_report_brings_an_offline_server_back_at_once()
    {
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);

        _monitor.ReportReachable(_host);

        _host.IsOffline.Should().BeFalse();
        _logger.Messages(PgSecureConnectEventId.HostBackOnline).Should().HaveCount(1);
    }

    [Fact]
    public void Disposing_stops_every_pending_check_and_schedules_no_new_one()
    {
        var other = new HostState(new ServerEndpoint("db2.internal", 5432), _ => _dataSource);
        _monitor.ReportUnreachable(_host, ConnectionFailureKind.Unreachable);
        _monitor.ReportUnreachable(other, ConnectionFailureKind.Unreachable);
        _time.PendingTimers.Should().Be(2);

        _monitor.Dispose();
        _time.PendingTimers.Should().Be(0);

        var third = new HostState(new ServerEndpoint("db3.internal", 5432), _ => _dataSource);
        _monitor.ReportUnreachable(third, ConnectionFailureKind.Unreachable);
        _time.PendingTimers.Should().Be(0);
        _time.Advance(Interval * 2);
        _probed.Should().BeEmpty();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition() && !timeout.IsCancellationRequested)
        {
            await Task.Yield();
        }
    }
}
