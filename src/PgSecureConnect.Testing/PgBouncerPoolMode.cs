namespace PgSecureConnect.Testing;

/// <summary>PgBouncer's <c>pool_mode</c>: when a server connection goes back to the pool.</summary>
public enum PgBouncerPoolMode
{
    /// <summary>After each transaction (the default, and the mode that breaks session state).</summary>
    Transaction = 0,

    /// <summary>When the client disconnects.</summary>
    Session,

    /// <summary>After each statement (multi-statement transactions are refused).</summary>
    Statement,
}
