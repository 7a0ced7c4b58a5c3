using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The report of one open's attempts: what is kept for the final exception, logged, counted and added to the span.</summary>
public sealed class AttemptLogTests : IDisposable
{
    private static readonly FailureClassification Refused = new(ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "connection refused", HostDown: true);
    private static readonly FailureClassification Standby = new(ConnectionFailureKind.WrongServerRole, ConnectionPhase.SessionCheck, "the server is a standby");

    private readonly string _factory = "attempt-log-" + Guid.NewGuid().ToString("N");
    private readonly RecordingLogger _logger = new();
    private readonly MetricRecorder _metrics;
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create("Host=unused;Username=u");
    private readonly HostState _db1;
    private readonly HostState _db2;
    private readonly Activity _activity = new("open");

    public AttemptLogTests()
    {
        _metrics = new MetricRecorder(_factory);
        _db1 = new HostState(new ServerEndpoint("db1.internal", 5432), _ => _dataSource) { PoolName = "pool-db1" };
        _db2 = new HostState(new ServerEndpoint("db2.internal", 5433), _ => _dataSource) { PoolName = "pool-db2" };
        _activity.Start();
    }

    public void Dispose()
    {
        _activity.Dispose();
        _metrics.Dispose();
        _dataSource.Dispose();
    }

    private AttemptLog Log() => new(_factory, _logger, _activity);

    [Fact]
    public void Every_failed_attempt_is_kept_for_the_exception_that_ends_the_open()
    {
        var log = Log();
        var refused = new NpgsqlException("Failed to connect");

        log.Record(_db1, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, refused);
        log.Record(_db2, 2, TimeSpan.FromMilliseconds(48), TimeSpan.FromMilliseconds(3), Standby, exception: null, raced: true);
        var failure = log.GiveUp("the overall timeout of 2 s ran out", TimeSpan.FromSeconds(2.1));

        log.Count.Should().Be(2);
        failure.Attempts.Should().Equal(
            new ConnectionAttempt
            {
                Server = _db1.Server, Attempt = 1, Phase = ConnectionPhase.Connect, Kind = ConnectionFailureKind.Unreachable, Error = "connection refused",
                StartedAfter = TimeSpan.Zero, Duration = TimeSpan.FromMilliseconds(1), Exception = refused, Raced = false,
            },
            new ConnectionAttempt
            {
                Server = _db2.Server, Attempt = 2, Phase = ConnectionPhase.SessionCheck, Kind = ConnectionFailureKind.WrongServerRole, Error = "the server is a standby",
                StartedAfter = TimeSpan.FromMilliseconds(48), Duration = TimeSpan.FromMilliseconds(3), Exception = null, Raced = true,
            });
        failure.Elapsed.Should().Be(TimeSpan.FromSeconds(2.1));
        failure.Message.Should().StartWith("Could not open a PostgreSQL connection: 2 attempts on 2 servers failed in 2.1 s; the overall timeout of 2 s ran out.\n");
    }

    [Fact]
    public void A_failed_attempt_is_logged_as_a_warning_with_server_phase_kind_and_duration()
    {
        Log().Record(_db1, 3, TimeSpan.Zero, TimeSpan.FromMilliseconds(12.7), Refused, exception: null);

        _logger.Entries.Should().ContainSingle().Which.Should().Be(new RecordingLogger.Entry(PgSecureConnectEventId.AttemptFailed, LogLevel.Warning,
            "Opening a connection to db1.internal:5432 failed (attempt 3, Connect, Unreachable) after 12 ms: connection refused"));
    }

    [Fact]
    public void A_failed_attempt_is_counted_by_server_and_kind()
    {
        Log().Record(_db2, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, exception: null);

        var counted = _metrics.Of("pgsecureconnect.open.attempts").Should().ContainSingle().Subject;
        counted.Value.Should().Be(1);
        counted.Tags.Should().Contain(new Dictionary<string, object?>
        {
            ["pgsecureconnect.outcome"] = "failure",
            ["error.type"] = "unreachable",
            ["server.address"] = "db2.internal",
            ["server.port"] = 5433,
            ["db.client.connection.pool.name"] = "pool-db2",
        });
    }

    [Fact]
    public void A_failed_attempt_is_an_event_of_the_opens_span()
    {
        Log().Record(_db1, 2, TimeSpan.Zero, TimeSpan.FromMilliseconds(250), Standby, exception: null);

        var attempt = _activity.Events.Should().ContainSingle().Subject;
        attempt.Name.Should().Be("pgsecureconnect.attempt");
        attempt.Tags.Should().Contain(new Dictionary<string, object?>
        {
            ["server.address"] = "db1.internal",
            ["server.port"] = 5432,
            ["pgsecureconnect.attempt"] = 2,
            ["pgsecureconnect.attempt.duration"] = 0.25,
            ["pgsecureconnect.outcome"] = "failure",
            ["pgsecureconnect.phase"] = "session_check",
            ["error.type"] = "wrong_server_role",
        });
    }

    [Fact]
    public void A_first_attempt_that_succeeds_logs_nothing_and_counts_no_failover()
    {
        Log().Succeeded(_db1, TimeSpan.FromMilliseconds(5));

        _logger.Entries.Should().BeEmpty();
        _metrics.Of("pgsecureconnect.failovers").Should().BeEmpty();
        _activity.GetTagItem("server.address").Should().Be("db1.internal");
        _activity.GetTagItem("db.client.connection.pool.name").Should().Be("pool-db1");
        _activity.Events.Should().ContainSingle().Which.Tags.Should().Contain(new KeyValuePair<string, object?>("pgsecureconnect.outcome", "success"));
    }

    [Fact]
    public void Success_after_failures_on_the_same_server_is_logged_but_is_no_failover()
    {
        var log = Log();
        log.Record(_db1, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, exception: null);

        log.Succeeded(_db1, TimeSpan.FromMilliseconds(250.9));

        _logger.Messages(PgSecureConnectEventId.ConnectedAfterFailures).Should().Equal("Connected to db1.internal:5432 after 1 failed attempt(s) in 250 ms");
        _logger.Entries.Single(e => e.EventId == PgSecureConnectEventId.ConnectedAfterFailures).Level.Should().Be(LogLevel.Information);
        _metrics.Of("pgsecureconnect.failovers").Should().BeEmpty();
    }

    [Fact]
    public void Success_on_another_server_than_the_first_attempts_is_a_failover()
    {
        var log = Log();
        log.Record(_db1, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, exception: null);
        log.Record(_db1, 2, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(1), Refused, exception: null);

        log.Succeeded(_db2, TimeSpan.FromMilliseconds(60));

        _logger.Messages(PgSecureConnectEventId.ConnectedAfterFailures).Should().Equal("Connected to db2.internal:5433 after 2 failed attempt(s) in 60 ms");
        var failover = _metrics.Of("pgsecureconnect.failovers").Should().ContainSingle().Subject;
        failover.Value.Should().Be(1);
        failover.Tags["server.address"].Should().Be("db2.internal");
    }

    [Fact]
    public void Giving_up_is_logged_as_an_error_and_marks_the_span_failed()
    {
        var log = Log();
        log.Record(_db1, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, exception: null);

        log.GiveUp("all 1 attempt(s) allowed by the retry policy were used", TimeSpan.FromMilliseconds(2100));

        var entry = _logger.Entries.Should().ContainSingle(e => e.EventId == PgSecureConnectEventId.OpenFailed).Subject;
        entry.Level.Should().Be(LogLevel.Error);
        entry.Message.Should().Be("Giving up opening a PostgreSQL connection after 1 failed attempt(s) in 2100 ms: all 1 attempt(s) allowed by the retry policy were used");
        _activity.Status.Should().Be(ActivityStatusCode.Error);
        _activity.StatusDescription.Should().Be("unreachable");
    }

    [Fact]
    public void Giving_up_without_a_failed_attempt_reports_none()
    {
        var failure = Log().GiveUp("the overall timeout of 1 s ran out", TimeSpan.FromSeconds(1));

        failure.Attempts.Should().BeEmpty();
        failure.Message.Should().StartWith("Could not open a PostgreSQL connection: 0 attempts on 0 servers failed in 1.0 s; the overall timeout of 1 s ran out.");
    }

    [Fact]
    public void Without_a_span_the_attempts_are_still_logged_and_kept()
    {
        var log = new AttemptLog(_factory, _logger, activity: null);

        log.Record(_db1, 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), Refused, exception: null);
        log.Succeeded(_db2, TimeSpan.FromMilliseconds(2));

        log.Count.Should().Be(1);
        _logger.Messages(PgSecureConnectEventId.AttemptFailed).Should().HaveCount(1);
        _activity.Events.Should().BeEmpty();
    }

    [Theory]
    [InlineData(ConnectionFailureKind.Authentication, "an authentication failure is not retried")]
    [InlineData(ConnectionFailureKind.AuthenticationMethodRefused, "a refused authentication method is not retried")]
    [InlineData(ConnectionFailureKind.DatabaseNotFound, "a missing database is not retried")]
    [InlineData(ConnectionFailureKind.PermissionDenied, "a missing privilege is not retried")]
    [InlineData(ConnectionFailureKind.Certificate, "a certificate verification failure is not retried")]
    [InlineData(ConnectionFailureKind.TlsUnavailable, "a server without the required TLS is not retried")]
    [InlineData(ConnectionFailureKind.PoolExhausted, "an exhausted connection pool is not retried")]
    [InlineData(ConnectionFailureKind.Other, "this error is not retried")]
    public void The_reason_line_names_what_is_not_retried(ConnectionFailureKind kind, string reason)
        => AttemptLog.NotRetriedReason(kind).Should().Be(reason);
}
