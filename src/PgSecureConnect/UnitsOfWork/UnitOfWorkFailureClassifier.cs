using System.Data;
using System.Net.Sockets;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>
/// Decides, from what a unit of work threw while it ran (not while it opened: that is
/// <see cref="Connecting.TransientFailureClassifier"/>), whether running it again on a fresh connection can help,
/// whether the server's pooled connections are stale, and whether a <c>COMMIT</c> that failed this way may still have
/// been applied.
/// <para>
/// Retried: a lost connection, 57P01/57P02/57P03 (the server is shutting down or crashed), class 08 (connection
/// exception, also what PgBouncer sends when it loses its server), 40001 (serialization failure), 40P01 (deadlock),
/// 25006 (read-only transaction: a write reached a standby, typically the old primary after a failover), 53300 (too many
/// connections), and a command timeout. Never retried: everything else the server says (42xxx syntax and privileges,
/// 23xxx constraints, 28xxx logins, ...), and any exception that is not an <see cref="NpgsqlException"/>.
/// </para>
/// <para>
/// At <c>COMMIT</c> an ERROR answer (40001, a deferred 23xxx, ...) means the server rolled the transaction back: the
/// outcome is known. The outcome is unknown when no answer came (the connection dropped, a timeout) and when the answer
/// says the session ended rather than the transaction failed: FATAL/PANIC severity, 57P01/57P02/57P03 and class 08. A
/// FATAL can be raised after the commit record is written (SIGQUIT's 57P02 arrives at any moment; a backend terminated
/// while it waits for synchronous replication has already committed locally), and a proxy's 08P01 says only that it lost
/// its server, so the client cannot tell an aborted commit from an applied one.
/// </para>
/// </summary>
internal static class UnitOfWorkFailureClassifier
{
    /// <summary>
    /// One line of a message from the server, a proxy, Npgsql or the operating system, for attempt reports, exceptions and
    /// logs: escaped, since a hostile server or a man in the middle of <c>sslmode=require</c> chooses it (no forged log
    /// lines, terminal colours or reordered text).
    /// </summary>
    private static string Shown(string text) => Security.UntrustedText.Escape(ExceptionText.FirstLine(text));

    /// <summary>Whether <paramref name="exception"/> is a database failure the classifier may judge; anything else is the work's own exception and is rethrown as it is.</summary>
    public static bool IsDatabaseFailure(Exception exception) => exception is NpgsqlException;

    /// <param name="exception">What the try threw.</param>
    /// <param name="connectionBroken">Npgsql had broken the connection (it is closed or broken) when the exception arrived.</param>
    public static UnitOfWorkFailure Classify(Exception exception, bool connectionBroken)
    {
        if (exception is CommitOutcomeUnknownException or UnitOfWorkFailedException)
        {
            // A unit of work run inside this one (through any factory) could not tell whether its COMMIT applied, or
            // already retried as far as its policy allowed: running it again could apply it twice. Its inner exceptions
            // (a lost connection) describe that unit's connection, not this one's.
            return new(IsTransient: false, ServerGone: false, LeavesCommitUnknown: false, "nested_unit_failed", null, Shown(exception.Message));
        }

        if (exception is ConnectionFailedException open)
        {
            // The open already retried and failed over as far as its own policy allowed; its verdict stands.
            return new(open.IsTransient, ServerGone: false, LeavesCommitUnknown: false, "open_failed", null, Shown(open.Message));
        }

        if (exception is not NpgsqlException)
        {
            return new(IsTransient: false, ServerGone: false, LeavesCommitUnknown: false, exception.GetType().Name, null, Shown(exception.Message));
        }

        if (ExceptionText.Find<PostgresException>(exception) is { } postgres)
        {
            return ClassifyServerError(postgres);
        }

        if (ExceptionText.Find<TimeoutException>(exception) is not null)
        {
            // A command timeout: Npgsql cancels the command, and breaks the connection when the cancellation gets no answer.
            return new(IsTransient: true, ServerGone: connectionBroken, LeavesCommitUnknown: true, "timeout", null, "no answer in time: " + Shown(exception.Message));
        }

        if (ExceptionText.Find<IOException>(exception) is not null || ExceptionText.Find<SocketException>(exception) is not null || ExceptionText.Find<EndOfStreamException>(exception) is not null || connectionBroken)
        {
            return new(IsTransient: true, ServerGone: true, LeavesCommitUnknown: true, "connection_lost",
                null, "the connection was lost: " + Shown(exception.GetBaseException().Message));
        }

        return new(IsTransient: false, ServerGone: false, LeavesCommitUnknown: false, "other", null, Shown(exception.Message));
    }

    /// <summary>Whether Npgsql broke or closed the connection; a connection the work left open and usable is not broken.</summary>
    public static bool IsBroken(NpgsqlConnection? connection)
        => connection is not null && (connection.FullState.HasFlag(ConnectionState.Broken) || connection.State == ConnectionState.Closed);

    private static UnitOfWorkFailure ClassifyServerError(PostgresException e)
    {
        var state = e.SqlState;
        var text = $"{Shown(e.MessageText)} ({state})";
        var sessionEnded = e.InvariantSeverity is "FATAL" or "PANIC";
        return state switch
        {
            // admin_shutdown, crash_shutdown, cannot_connect_now: the server is going or gone.
            "57P01" or "57P02" or "57P03" => new(IsTransient: true, ServerGone: true, LeavesCommitUnknown: true, state, state, text),

            // connection_exception and its subclasses, including 08007 transaction_resolution_unknown and PgBouncer's 08P01.
            _ when state.StartsWith("08", StringComparison.Ordinal) => new(IsTransient: true, ServerGone: true, LeavesCommitUnknown: true, state, state, text),

            // read_only_sql_transaction: a write reached a standby (or a demoted primary). Its pool is kept: with
            // target_session_attrs=read-write the next open asks the server's role live before it believes a pooled
            // connection, and with 'any' the standby's pooled connections still serve readers.
            "25006" => new(IsTransient: true, ServerGone: false, LeavesCommitUnknown: sessionEnded, state, state, text),

            // serialization_failure, deadlock_detected, too_many_connections: the same unit on a fresh connection can succeed.
            "40001" or "40P01" or "53300" => new(IsTransient: true, ServerGone: false, LeavesCommitUnknown: sessionEnded, state, state, text),

            _ => new(IsTransient: false, ServerGone: false, LeavesCommitUnknown: sessionEnded, state, state, text),
        };
    }

}

/// <summary>The verdict on one failed try of a unit of work.</summary>
/// <param name="IsTransient">Running the unit again on a fresh connection may succeed.</param>
/// <param name="ServerGone">The server is going away or is no longer what it was (shut down, crashed, demoted): its pooled connections are stale, so its pool is cleared.</param>
/// <param name="LeavesCommitUnknown">Had this happened during <c>COMMIT</c>, the transaction may or may not have been applied.</param>
/// <param name="ErrorType">A short, stable name for logs and metrics: the SQLSTATE, or <c>connection_lost</c>, <c>timeout</c>, <c>open_failed</c>.</param>
/// <param name="SqlState">The SQLSTATE, when the server or a proxy answered with one.</param>
/// <param name="Description">One line for the try's report.</param>
internal readonly record struct UnitOfWorkFailure(bool IsTransient, bool ServerGone, bool LeavesCommitUnknown, string ErrorType, string? SqlState, string Description);
