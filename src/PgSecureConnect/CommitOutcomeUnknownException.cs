using System.Globalization;
using Npgsql;

namespace PgSecureConnect;

/// <summary>
/// The connection was lost while <c>COMMIT</c> was on its way, so whether the transaction was applied is unknown, and
/// no <c>verifySucceeded</c> was given (or it could not be run) to find out. Thrown by
/// <see cref="ConnectionFactoryUnitOfWorkExtensions.ExecuteInTransactionAsync{TResult}"/> instead of guessing: retrying
/// could apply the transaction twice, not retrying could lose it. Names the server and when the commit was sent; the
/// inner exception is the commit's failure. Never transient: do not retry it blindly, check first.
/// </summary>
public sealed class CommitOutcomeUnknownException : NpgsqlException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="server">The server the commit was sent to.</param>
    /// <param name="commitSentAt">When the commit was sent (the factory's <see cref="TimeProvider"/>).</param>
    /// <param name="detail">What is known, for example why verification could not be run; <see langword="null"/> for none. Must not contain secrets.</param>
    /// <param name="innerException">The failure of the commit.</param>
    public CommitOutcomeUnknownException(ServerEndpoint server, DateTimeOffset commitSentAt, string? detail, Exception innerException)
        : base(FormatMessage(server, commitSentAt, detail, innerException), innerException)
    {
        Server = server;
        CommitSentAt = commitSentAt;
    }

    /// <summary>Creates an exception that names no server; prefer the constructor that does.</summary>
    public CommitOutcomeUnknownException()
        : base("The outcome of a COMMIT is unknown: the connection was lost before the server answered.")
    {
    }

    /// <summary>Creates an exception that names no server; prefer the constructor that does.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    public CommitOutcomeUnknownException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that names no server; prefer the constructor that does.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    /// <param name="innerException">The failure of the commit.</param>
    public CommitOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The server the commit was sent to.</summary>
    public ServerEndpoint? Server { get; }

    /// <summary>When the commit was sent, from the factory's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset? CommitSentAt { get; }

    /// <summary>Always <see langword="false"/>: the transaction may have been applied, so running it again blindly is not safe.</summary>
    public override bool IsTransient => false;

    private static string FormatMessage(ServerEndpoint server, DateTimeOffset commitSentAt, string? detail, Exception innerException)
    {
        // The commit's failure, as the server, a proxy or Npgsql worded it: escaped, as in every attempt report.
        var cause = Security.UntrustedText.Escape(Internal.ExceptionText.FirstLine(innerException.Message));
        var sent = commitSentAt.ToString("yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture);
        return $"The outcome of COMMIT on {server}, sent at {sent}, is unknown: the session ended before the server confirmed it ({cause}). "
            + $"The transaction may or may not have been applied, so it was not retried.{(detail is null ? string.Empty : " " + detail)} "
            + "Pass verifySucceeded to ExecuteInTransactionAsync (a check that the unit's effect is there, e.g. a row with a client-generated key) to let the factory decide, or reconcile by hand.";
    }
}
