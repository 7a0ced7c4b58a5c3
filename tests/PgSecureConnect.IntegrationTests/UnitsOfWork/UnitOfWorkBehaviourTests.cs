using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.UnitsOfWork;

/// <summary>What is retried and what is not, against a real server: stale pooled connections, errors the server raises, the work's own exceptions.</summary>
[Collection(TestBedCollection.Name)]
public sealed class UnitOfWorkBehaviourTests(TestBedFixture fixture)
{
    private static readonly RetryPolicy ThreeTries = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task A_pooled_connection_whose_backend_was_terminated_is_replaced_and_the_work_runs_again()
    {
        var (server, factory, logs, application) = await CreateAsync();
        await using (factory)
        {
            var before = await factory.ExecuteAsync(Backend);
            (await server.TerminateBackendsAsync(application)).Should().BeGreaterThanOrEqualTo(1);

            var after = await factory.ExecuteAsync(Backend);

            after.Should().NotBe(before, "the work ran again on a fresh connection");
            logs.Entries.Should().Contain(e => e.EventId.Id == 1400 && e.Message.Contains("57P01", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Synchronous_units_are_retried_the_same_way()
    {
        var (server, factory, logs, application) = await CreateAsync();
        await using (factory)
        {
            var before = factory.Execute(BackendSync);
            (await server.TerminateBackendsAsync(application)).Should().BeGreaterThanOrEqualTo(1);
            var after = factory.Execute(BackendSync);
            (await server.TerminateBackendsAsync(application)).Should().BeGreaterThanOrEqualTo(1);
            var inTransaction = factory.ExecuteInTransaction((connection, transaction) => BackendSync(connection), verifySucceeded: _ => false);

            after.Should().NotBe(before);
            inTransaction.Should().NotBe(after);
            logs.Entries.Count(e => e.EventId.Id == 1400).Should().Be(2);
        }
    }

    [Fact]
    public async Task A_serialization_failure_is_retried_until_the_tries_run_out_and_the_exception_lists_every_try()
    {
        var (server, factory, _, _) = await CreateAsync();
        await using (factory)
        {
            var tries = 0;
            var failure = await Connect.FailureOf(() => factory.ExecuteInTransactionAsync(async (connection, transaction, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await using var raise = new NpgsqlCommand("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$", connection, transaction);
                await raise.ExecuteNonQueryAsync(cancellationToken);
            }).AsTask());

            tries.Should().Be(3);
            var exception = failure.Exception.Should().BeOfType<UnitOfWorkFailedException>().Subject;
            exception.Tries.Should().HaveCount(3).And.OnlyContain(t => t.SqlState == "40001" && t.Step == UnitOfWorkStep.Work && t.IsTransient);
            exception.Tries.Select(t => t.Number).Should().Equal(1, 2, 3);
            exception.IsTransient.Should().BeTrue();
            exception.InnerException.Should().BeOfType<PostgresException>();
            exception.Message.Should().Contain("3 tries").And.Contain("RetryPolicy.MaxAttempts").And.Contain($"{server.Host}:{server.Port} (try 1, work").And.NotContain(server.Password);
        }
    }

    [Theory]
    [InlineData("23505", "unique_violation")]
    [InlineData("42601", "syntax_error")]
    [InlineData("42501", "insufficient_privilege")]
    public async Task Errors_that_would_fail_again_are_thrown_as_they_are_after_one_try(string sqlState, string name)
    {
        var (_, factory, logs, _) = await CreateAsync();
        await using (factory)
        {
            var tries = 0;
            var failure = await Connect.FailureOf(() => factory.ExecuteAsync(async (connection, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await using var raise = new NpgsqlCommand($"DO $$ BEGIN RAISE EXCEPTION '{name}' USING ERRCODE = '{sqlState}'; END $$", connection);
                return await raise.ExecuteNonQueryAsync(cancellationToken);
            }).AsTask());

            tries.Should().Be(1);
            failure.Exception.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(sqlState);
            logs.Entries.Should().NotContain(e => e.EventId.Id == 1400);
        }
    }

    [Fact]
    public async Task A_deferred_constraint_violation_at_commit_is_a_known_outcome_and_thrown_as_it_is()
    {
        var (server, factory, _, _) = await CreateAsync();
        await using (factory)
        {
            var table = "deferred_" + Guid.NewGuid().ToString("N");
            await server.ExecuteScalarAsync<object>($"CREATE TABLE {table} (id int, CONSTRAINT {table}_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
            var verified = false;
            var failure = await Connect.FailureOf(() => factory.ExecuteInTransactionAsync(
                async (connection, transaction, cancellationToken) =>
                {
                    await using var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES (1), (1)", connection, transaction);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                },
                verifySucceeded: (_, _) =>
                {
                    verified = true;
                    return Task.FromResult(false);
                }).AsTask());

            failure.Exception.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(PostgresErrorCodes.UniqueViolation);
            verified.Should().BeFalse("the server answered COMMIT with an error: the transaction was rolled back, nothing to verify");
            (await server.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}")).Should().Be(0);
        }
    }

    [Fact]
    public async Task An_exception_of_the_work_itself_is_thrown_as_it_is_and_the_transaction_is_rolled_back()
    {
        var (server, factory, _, _) = await CreateAsync();
        await using (factory)
        {
            var table = "rolled_back_" + Guid.NewGuid().ToString("N");
            await server.ExecuteScalarAsync<object>($"CREATE TABLE {table} (id int)");
            var tries = 0;
            var failure = await Connect.FailureOf(() => factory.ExecuteInTransactionAsync(async (connection, transaction, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await using var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES (1)", connection, transaction);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                throw new InvalidOperationException("the application changed its mind");
            }).AsTask());

            tries.Should().Be(1);
            failure.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("the application changed its mind");
            (await server.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}")).Should().Be(0);
        }
    }

    [Fact]
    public async Task A_cancelled_token_is_not_retried()
    {
        var (_, factory, logs, _) = await CreateAsync();
        await using (factory)
        {
            using var cancel = new CancellationTokenSource();
            var tries = 0;
            var failure = await Connect.FailureOf(() => factory.ExecuteAsync(async (connection, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
                cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
                return await sleep.ExecuteNonQueryAsync(cancellationToken);
            }, cancel.Token).AsTask());

            tries.Should().Be(1);
            failure.Exception.Should().BeAssignableTo<OperationCanceledException>();
            failure.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
            logs.Entries.Should().NotContain(e => e.EventId.Id == 1400);
        }
    }

    /// <summary>
    /// The token is cancelled while COMMIT waits in a deferred trigger: the commit's answer is still awaited, so the unit
    /// ends with a known outcome (applied) instead of an OperationCanceledException that would hide it.
    /// </summary>
    [Fact]
    public async Task A_cancellation_during_commit_waits_for_the_commit_s_answer()
    {
        var (server, factory, _, application) = await CreateAsync();
        await using (factory)
        {
            var table = application + "_held";
            await server.ExecuteScalarAsync<object>(
                $"CREATE TABLE {table} (n int); " +
                $"CREATE FUNCTION {table}_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$; " +
                $"CREATE CONSTRAINT TRIGGER hold AFTER INSERT ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {table}_hold();");
            using var cancel = new CancellationTokenSource();
            var tries = 0;

            var result = await factory.ExecuteInTransactionAsync(async (connection, transaction, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await using var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES (1)", connection, transaction);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                cancel.CancelAfter(TimeSpan.FromMilliseconds(300)); // while COMMIT sleeps in the trigger
                return 42;
            }, cancellationToken: cancel.Token);

            result.Should().Be(42);
            tries.Should().Be(1);
            cancel.IsCancellationRequested.Should().BeTrue("the token was cancelled during COMMIT");
            (await server.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}")).Should().Be(1);
        }
    }

    [Fact]
    public async Task Work_that_commits_the_unit_s_transaction_itself_is_refused_with_the_fix()
    {
        var (_, factory, _, _) = await CreateAsync();
        await using (factory)
        {
            var tries = 0;
            var failure = await Connect.FailureOf(() => factory.ExecuteInTransactionAsync(async (connection, transaction, cancellationToken) =>
            {
                Interlocked.Increment(ref tries);
                await transaction.CommitAsync(cancellationToken);
            }).AsTask());

            tries.Should().Be(1);
            failure.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be(
                "The unit's transaction was no longer usable at COMMIT: the work committed, rolled back or disposed it itself. ExecuteInTransactionAsync commits it after the work returns; " +
                "remove the work's Commit/Rollback, or use ExecuteAsync to manage the transaction yourself.");
        }
    }

    /// <summary>Asks the server (a pooled connection whose backend is gone fails only when it talks to it).</summary>
    private static async Task<int> Backend(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static int BackendSync(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return (int)command.ExecuteScalar()!;
    }

    private async Task<(PostgresServer Server, IConnectionFactory Factory, CapturingLoggerProvider Logs, string Application)> CreateAsync()
    {
        var server = await fixture.GetSharedServerAsync();
        var application = "uow_" + Guid.NewGuid().ToString("N")[..12];
        var logs = new CapturingLoggerProvider();
        var factory = ConnectionFactory.FromUrl(
            $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}&application_name={application}",
            new ConnectionFactoryOptions { Retry = ThreeTries, LoggerFactory = logs });
        return (server, factory, logs, application);
    }
}
