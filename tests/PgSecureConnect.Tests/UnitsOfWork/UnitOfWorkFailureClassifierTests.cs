using System.Net.Sockets;
using Npgsql;
using PgSecureConnect.UnitsOfWork;

namespace PgSecureConnect.Tests.UnitsOfWork;

public class UnitOfWorkFailureClassifierTests
{
    /// <summary>
    /// A unit run inside another (nested ExecuteInTransactionAsync) whose COMMIT lost its connection: the outer unit must
    /// not read the inner IOException as its own lost connection and run everything again (applying the inner unit twice).
    /// </summary>
    [Fact]
    public void An_unknown_commit_of_a_nested_unit_is_not_retried()
    {
        var inner = new CommitOutcomeUnknownException(new ServerEndpoint("db1", 5432), DateTimeOffset.UnixEpoch, null,
            new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer")));

        var verdict = UnitOfWorkFailureClassifier.Classify(inner, connectionBroken: false);

        verdict.IsTransient.Should().BeFalse();
        verdict.ServerGone.Should().BeFalse();
        verdict.ErrorType.Should().Be("nested_unit_failed");
    }

    [Fact]
    public void Server_text_cannot_forge_log_lines_or_reorder_the_report()
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(new PostgresException("could not serialize\rINFO forged \u202Eentry", "ERROR", "ERROR", "40001"), connectionBroken: false);

        verdict.Description.Should().Be("could not serialize\\u000DINFO forged \\u202Eentry (40001)");
    }

    [Fact]
    public void A_nested_unit_that_used_up_its_tries_is_not_retried()
    {
        var tries = new[] { new UnitOfWorkTry { Number = 1, Step = UnitOfWorkStep.Work, Server = new ServerEndpoint("db1", 5432), Error = "the connection was lost", IsTransient = true } };
        var inner = new UnitOfWorkFailedException(tries, TimeSpan.FromSeconds(1), "all 1 tries used");

        UnitOfWorkFailureClassifier.Classify(inner, connectionBroken: false).IsTransient.Should().BeFalse();
    }

    /// <summary>
    /// SQLSTATE, severity → retried, pool cleared, outcome unknown had it come as the answer to COMMIT.
    /// ERROR answers to COMMIT mean "rolled back" (known); FATAL/PANIC and connection-level states mean the session ended (unknown).
    /// </summary>
    [Theory]
    [InlineData("57P01", "FATAL", true, true, true)]     // admin_shutdown: fast shutdown, pg_terminate_backend
    [InlineData("57P02", "FATAL", true, true, true)]     // crash_shutdown: SIGQUIT may arrive after the commit record
    [InlineData("57P03", "FATAL", true, true, true)]     // cannot_connect_now
    [InlineData("08006", "FATAL", true, true, true)]     // connection_failure
    [InlineData("08P01", "ERROR", true, true, true)]     // PgBouncer: "server conn crashed?" — the proxy lost its server, not an answer from it
    [InlineData("08007", "ERROR", true, true, true)]     // transaction_resolution_unknown says so literally
    [InlineData("25006", "ERROR", true, false, false)]   // read_only_sql_transaction: a demoted primary, a standby (its pool still serves readers)
    [InlineData("40001", "ERROR", true, false, false)]   // serialization_failure, also at COMMIT: rolled back
    [InlineData("40P01", "ERROR", true, false, false)]   // deadlock_detected
    [InlineData("53300", "FATAL", true, false, true)]    // too_many_connections
    [InlineData("23505", "ERROR", false, false, false)]  // unique_violation, also a deferred one at COMMIT: rolled back
    [InlineData("23503", "ERROR", false, false, false)]  // foreign_key_violation
    [InlineData("42601", "ERROR", false, false, false)]  // syntax_error
    [InlineData("42P01", "ERROR", false, false, false)]  // undefined_table
    [InlineData("42501", "ERROR", false, false, false)]  // insufficient_privilege
    [InlineData("28P01", "FATAL", false, false, true)]   // invalid_password
    [InlineData("57014", "ERROR", false, false, false)]  // query_canceled (statement_timeout)
    [InlineData("25P03", "FATAL", false, false, true)]   // idle_in_transaction_session_timeout
    [InlineData("XX000", "PANIC", false, false, true)]   // internal_error, the server is going down
    public void Server_answers(string sqlState, string severity, bool retried, bool poolCleared, bool commitUnknown)
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(new PostgresException("message text", severity, severity, sqlState), connectionBroken: false);

        verdict.IsTransient.Should().Be(retried);
        verdict.ServerGone.Should().Be(poolCleared);
        verdict.LeavesCommitUnknown.Should().Be(commitUnknown);
        verdict.SqlState.Should().Be(sqlState);
        verdict.Description.Should().Be($"message text ({sqlState})");
    }

    public static TheoryData<string, Exception, bool> LostConnections => new()
    {
        { "read failed", new NpgsqlException("Exception while reading from stream", new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset))), false },
        { "end of stream", new NpgsqlException("Exception while reading from stream", new EndOfStreamException("Attempted to read past the end of the stream.")), false },
        { "write failed", new NpgsqlException("Exception while writing to stream", new SocketException((int)SocketError.ConnectionAborted)), false },
        { "broken, no inner exception", new NpgsqlException("The connection was broken"), true },
    };

    [Theory]
    [MemberData(nameof(LostConnections))]
    public void A_lost_connection_is_retried_clears_the_pool_and_leaves_a_commit_unknown(string shape, Exception exception, bool broken)
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(exception, broken);

        verdict.IsTransient.Should().BeTrue(shape);
        verdict.ServerGone.Should().BeTrue(shape);
        verdict.LeavesCommitUnknown.Should().BeTrue(shape);
        verdict.ErrorType.Should().Be("connection_lost");
        verdict.SqlState.Should().BeNull();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void A_command_timeout_is_retried_and_leaves_a_commit_unknown_and_clears_the_pool_only_when_the_connection_broke(bool broken, bool poolCleared)
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt")), broken);

        verdict.IsTransient.Should().BeTrue();
        verdict.LeavesCommitUnknown.Should().BeTrue("no answer came");
        verdict.ServerGone.Should().Be(poolCleared);
        verdict.ErrorType.Should().Be("timeout");
    }

    [Fact]
    public void A_server_answer_wrapped_by_npgsql_is_judged_by_its_sqlstate()
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(new NpgsqlException("wrapped", new PostgresException("could not serialize access", "ERROR", "ERROR", "40001")), connectionBroken: false);

        verdict.IsTransient.Should().BeTrue();
        verdict.ErrorType.Should().Be("40001");
    }

    [Theory]
    [InlineData(ConnectionFailureKind.Unreachable, true)]
    [InlineData(ConnectionFailureKind.WrongServerRole, true)]
    [InlineData(ConnectionFailureKind.Authentication, false)]
    [InlineData(ConnectionFailureKind.Certificate, false)]
    public void A_failed_open_keeps_the_openers_verdict(ConnectionFailureKind kind, bool retried)
    {
        var attempt = new ConnectionAttempt { Server = new ServerEndpoint("db", 5432), Attempt = 1, Phase = ConnectionPhase.Connect, Kind = kind, Error = "error" };

        var verdict = UnitOfWorkFailureClassifier.Classify(new ConnectionFailedException([attempt], TimeSpan.Zero, "reason"), connectionBroken: false);

        verdict.IsTransient.Should().Be(retried);
        verdict.ServerGone.Should().BeFalse("the opener already tracks server health");
        verdict.ErrorType.Should().Be("open_failed");
    }

    [Fact]
    public void Another_npgsql_failure_on_a_working_connection_is_not_retried()
    {
        var verdict = UnitOfWorkFailureClassifier.Classify(new NpgsqlException("Received unexpected backend message"), connectionBroken: false);

        verdict.IsTransient.Should().BeFalse();
        verdict.LeavesCommitUnknown.Should().BeFalse();
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(ArgumentException), false)]
    [InlineData(typeof(OperationCanceledException), false)]
    [InlineData(typeof(NpgsqlException), true)]
    [InlineData(typeof(PostgresException), true)]
    public void Only_npgsql_failures_are_database_failures(Type type, bool database)
    {
        var exception = type == typeof(PostgresException) ? new PostgresException("m", "ERROR", "ERROR", "40001") : (Exception)Activator.CreateInstance(type)!;

        UnitOfWorkFailureClassifier.IsDatabaseFailure(exception).Should().Be(database);
    }
}
