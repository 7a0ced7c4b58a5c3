namespace PgSecureConnect;

/// <summary>The step of a unit of work at which one try failed.</summary>
public enum UnitOfWorkStep
{
    /// <summary>Opening the connection through the factory (its own retries and failover included).</summary>
    Open,

    /// <summary>Running the caller's work (and, in a transaction, <c>BEGIN</c>).</summary>
    Work,

    /// <summary>Sending <c>COMMIT</c> and waiting for its answer.</summary>
    Commit,

    /// <summary>Running <c>verifySucceeded</c> after the outcome of a <c>COMMIT</c> was unknown.</summary>
    Verify,
}
