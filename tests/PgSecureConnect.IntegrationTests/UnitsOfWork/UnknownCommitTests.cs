using System.Diagnostics;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.UnitsOfWork;

/// <summary>
/// Both ways a COMMIT can lose its answer, produced for real: (a) the server applies it but the link is cut before the
/// acknowledgement arrives; (b) the backend is terminated while a deferred constraint trigger holds the COMMIT, so it
/// is aborted. The client cannot tell them apart; <c>verifySucceeded</c> can, and without it the factory says so.
/// </summary>
[Collection(TestBedCollection.Name)]
public sealed class UnknownCommitTests(TestBedFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// A deferred constraint trigger that holds the COMMIT of a transaction that asked for it (SET LOCAL test.hold_commit):
    /// 'sleep' sleeps, 'gate' waits for advisory lock 4242, which the test holds.
    /// </summary>
    private const string Schema = """
        CREATE TABLE orders (key uuid PRIMARY KEY);
        CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('test.hold_commit', true) = 'sleep' THEN
                PERFORM pg_sleep(120);
            ELSIF current_setting('test.hold_commit', true) = 'gate' THEN
                PERFORM pg_advisory_lock(4242);
                PERFORM pg_advisory_unlock(4242);
            END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit();
        """;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Commit_applied_but_its_acknowledgement_lost_is_confirmed_by_verifySucceeded_or_reported(bool withVerification)
    {
        await using var link = await fixture.TestBed.CreateNetworkNamespaceHostAsync();
        await using var server = await fixture.TestBed.StartServerAsync(new PostgresServerOptions { NetworkNamespace = link });
        await server.ExecuteScalarAsync<object>(Schema);
        var logs = new CapturingLoggerProvider();
        var url = $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}&application_name=unit";
        await using var factory = ConnectionFactory.FromUrl(url, new ConnectionFactoryOptions
        {
            Retry = FailoverUnitOfWorkTests.RidingOutPolicy,
            LoggerFactory = logs,

            // How the client notices an answer that never comes. Long enough for the test to cut the link first.
            ConfigureDataSource = builder => builder.ConnectionStringBuilder.CommandTimeout = 15,
        });

        // The gate holds the COMMIT on the server until the link is cut. The test's own session uses the Unix socket, which the cut does not touch.
        await using var gate = await Connect.OpenAsync(OverUnixSocket(server));
        await Connect.ScalarAsync<object>(gate, "SELECT pg_advisory_lock(4242)");

        var key = Guid.NewGuid();
        var (unit, counts) = RunUnit(factory, key, "gate", withVerification);
        var pid = await WaitForCommitHeldAsync(gate, "Lock", "advisory", unit);

        await link.DisconnectAsync();
        await Connect.ScalarAsync<object>(gate, "SELECT pg_advisory_unlock(4242)");
        await WaitUntilAsync(async () => await CountAsync(gate, key) == 1, "the COMMIT to be applied on the server");
        output.WriteLine($"COMMIT of backend {pid} applied on the server while the link is cut");

        if (withVerification)
        {
            // The factory notices the lost answer (command timeout), then verifySucceeded needs the link back to look.
            await WaitUntilAsync(() => Task.FromResult(logs.Entries.Any(e => e.EventId.Id == 1401)), "the factory to report the unknown outcome (event 1401)");
            await link.ReconnectAsync();
            var stopwatch = Stopwatch.StartNew();
            await unit.WaitAsync(Bound);
            output.WriteLine($"unit completed {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the link came back; work ran {counts.Work}×, verifySucceeded {counts.Verify}×");

            counts.Work.Should().Be(1, "verifySucceeded found the row, so the unit is not run again");
            counts.Verify.Should().BeGreaterThanOrEqualTo(1);
            counts.VerifiedTrue.Should().Be(1);
            logs.Entries.Should().Contain(e => e.EventId.Id == 1402 && e.Message.Contains("applied: the unit is not run again", StringComparison.Ordinal));
        }
        else
        {
            var exception = (await Connect.FailureOf(() => unit.WaitAsync(Bound))).Exception;
            output.WriteLine(exception.Message);

            var unknown = exception.Should().BeOfType<CommitOutcomeUnknownException>().Subject;
            unknown.Server.Should().Be(new ServerEndpoint(link.Address, server.Port));
            unknown.CommitSentAt.Should().NotBeNull();
            unknown.IsTransient.Should().BeFalse();
            unknown.InnerException.Should().BeAssignableTo<NpgsqlException>();
            unknown.Message.Should().Contain($"{link.Address}:{server.Port}").And.NotContain(server.Password);
            counts.Work.Should().Be(1, "an unknown outcome is never retried blindly");
            await link.ReconnectAsync();
        }

        (await CountAsync(gate, key)).Should().Be(1, "the commit was applied, exactly once");
        (await Connect.ScalarAsync<long>(gate, "SELECT count(*) FROM orders")).Should().Be(1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Commit_aborted_by_a_terminated_backend_is_run_again_after_verifySucceeded_or_reported(bool withVerification)
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        await server.ExecuteScalarAsync<object>(Schema);
        var logs = new CapturingLoggerProvider();
        await using var factory = ConnectionFactory.FromUrl(
            $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}&application_name=unit",
            new ConnectionFactoryOptions { Retry = FailoverUnitOfWorkTests.RidingOutPolicy, LoggerFactory = logs });
        await using var admin = await Connect.OpenAsync(OverUnixSocket(server));

        var key = Guid.NewGuid();
        var (unit, counts) = RunUnit(factory, key, "sleep", withVerification);
        var pid = await WaitForCommitHeldAsync(admin, "Timeout", "PgSleep", unit);
        (await Connect.ScalarAsync<bool>(admin, $"SELECT pg_terminate_backend({pid})")).Should().BeTrue();
        output.WriteLine($"terminated backend {pid} while its COMMIT slept in a deferred constraint trigger");

        if (withVerification)
        {
            await unit.WaitAsync(Bound);
            output.WriteLine($"work ran {counts.Work}×, verifySucceeded {counts.Verify}×");

            counts.Verify.Should().Be(1);
            counts.VerifiedTrue.Should().Be(0, "the terminated commit was aborted");
            counts.Work.Should().Be(2, "verifySucceeded found nothing, so the unit ran again");
            logs.Entries.Should().Contain(e => e.EventId.Id == 1402 && e.Message.Contains("not applied: the unit is run again", StringComparison.Ordinal));
            (await CountAsync(admin, key)).Should().Be(1, "the retry applied the unit, exactly once");
        }
        else
        {
            var exception = (await Connect.FailureOf(() => unit.WaitAsync(Bound))).Exception;
            output.WriteLine(exception.Message);

            var unknown = exception.Should().BeOfType<CommitOutcomeUnknownException>().Subject;
            unknown.Server.Should().Be(new ServerEndpoint(server.Host, server.Port));
            unknown.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(PostgresErrorCodes.AdminShutdown);
            unknown.Message.Should().NotContain(server.Password);
            counts.Work.Should().Be(1, "an unknown outcome is never retried blindly");
            (await CountAsync(admin, key)).Should().Be(0, "the terminated commit was aborted: the exception was right not to claim otherwise");
        }

        (await Connect.ScalarAsync<long>(admin, "SELECT count(*) FROM orders")).Should().Be(withVerification ? 1 : 0);
    }

    /// <summary>
    /// The primary crashes while its COMMIT is held, and only its standby answers: a standby may not have replayed a
    /// commit yet, so its "not there" could run the unit twice. verifySucceeded is never asked there; the outcome stays
    /// unknown and says why.
    /// </summary>
    [Fact]
    public async Task An_unknown_commit_is_never_verified_on_a_standby()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        await primary.ExecuteScalarAsync<object>(Schema);
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary);
        var logs = new CapturingLoggerProvider();
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{primary.Username}:{primary.Password}@{primary.Host}:{primary.Port},{standby.Host}:{standby.Port}/{primary.Database}?application_name=unit",
            new ConnectionFactoryOptions
            {
                LoggerFactory = logs,
                Retry = new RetryPolicy { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100), OverallTimeout = TimeSpan.FromSeconds(20), ConnectTimeout = TimeSpan.FromSeconds(2) },
            });
        await using var admin = await Connect.OpenAsync(OverUnixSocket(primary));

        var (unit, counts) = RunUnit(factory, Guid.NewGuid(), "sleep", withVerification: true);
        await WaitForCommitHeldAsync(admin, "Timeout", "PgSleep", unit);
        await primary.CrashAsync();

        var exception = (await Connect.FailureOf(() => unit.WaitAsync(Bound))).Exception;
        output.WriteLine(exception.Message);

        var unknown = exception.Should().BeOfType<CommitOutcomeUnknownException>().Subject;
        unknown.Server.Should().Be(new ServerEndpoint(primary.Host, primary.Port));
        unknown.Message.Should().Contain("verifySucceeded could not be run").And.NotContain(primary.Password);
        counts.Verify.Should().Be(0, "the only server that answered was a standby");
        counts.Work.Should().Be(1, "an unknown outcome is never retried blindly");
        logs.Entries.Should().Contain(e => e.EventId.Id == PgSecureConnectEventId.VerificationFailed && e.Message.Contains($"{standby.Host}:{standby.Port} (standby)", StringComparison.Ordinal));
    }

    private static NpgsqlConnectionStringBuilder OverUnixSocket(PostgresServer server) => new()
    {
        Host = server.UnixSocketDirectory,
        Port = server.Port,
        Database = server.Database,
        Username = server.Username,
        Password = server.Password,
        Pooling = false,
        CommandTimeout = 30,
    };

    /// <summary>Runs one unit inserting <paramref name="key"/>; its first try asks the trigger to hold the COMMIT.</summary>
    private static (Task Unit, Counts Counts) RunUnit(IConnectionFactory factory, Guid key, string hold, bool withVerification)
    {
        var counts = new Counts();
        Func<NpgsqlConnection, CancellationToken, Task<bool>>? verify = withVerification
            ? async (connection, cancellationToken) =>
            {
                Interlocked.Increment(ref counts.Verify);
                var found = await CountAsync(connection, key) == 1;
                if (found)
                {
                    Interlocked.Increment(ref counts.VerifiedTrue);
                }

                return found;
            }
            : null;
        var unit = Task.Run(async () => await factory.ExecuteInTransactionAsync(
            async (connection, transaction, cancellationToken) =>
            {
                if (Interlocked.Increment(ref counts.Work) == 1)
                {
                    await using var set = new NpgsqlCommand($"SET LOCAL test.hold_commit = '{hold}'", connection, transaction);
                    await set.ExecuteNonQueryAsync(cancellationToken);
                }

                await using var insert = new NpgsqlCommand("INSERT INTO orders (key) VALUES ($1)", connection, transaction) { Parameters = { new() { Value = key } } };
                await insert.ExecuteNonQueryAsync(cancellationToken);
            },
            verify));
        return (unit, counts);
    }

    /// <summary>Waits until the unit's backend is in COMMIT, held by the trigger in the given wait event; returns its pid.</summary>
    private static async Task<int> WaitForCommitHeldAsync(NpgsqlConnection admin, string waitEventType, string waitEvent, Task unit)
    {
        var sql = $"SELECT pid FROM pg_stat_activity WHERE application_name = 'unit' AND query = 'COMMIT' AND wait_event_type = '{waitEventType}' AND wait_event = '{waitEvent}'";
        var pid = 0;
        await WaitUntilAsync(async () =>
        {
            if (unit.IsCompleted)
            {
                await unit; // fail with the unit's own exception
                throw new Xunit.Sdk.XunitException("The unit completed before its COMMIT was held.");
            }

            pid = await Connect.ScalarAsync<int>(admin, sql);
            return pid != 0;
        }, $"the unit's COMMIT to wait on {waitEvent}");
        return pid;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, Guid key)
    {
        await using var count = new NpgsqlCommand("SELECT count(*) FROM orders WHERE key = $1", connection) { Parameters = { new() { Value = key } } };
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > Bound)
            {
                throw new TimeoutException($"Waited {Bound.TotalSeconds} s for {what}.");
            }

            await Task.Delay(20);
        }
    }

    private sealed class Counts
    {
        public int Work;
        public int Verify;
        public int VerifiedTrue;
    }
}
