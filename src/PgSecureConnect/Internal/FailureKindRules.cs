namespace PgSecureConnect.Internal;

/// <summary>The one list of failure kinds that are worth trying again, used by the opener and by the public reports.</summary>
internal static class FailureKindRules
{
    /// <summary>Whether trying again (now on another server, or later) may succeed.</summary>
    public static bool IsTransient(ConnectionFailureKind kind) => kind is ConnectionFailureKind.Unreachable or ConnectionFailureKind.HostNotFound
        or ConnectionFailureKind.Timeout or ConnectionFailureKind.ServerUnavailable or ConnectionFailureKind.WrongServerRole or ConnectionFailureKind.PoolExhausted;

    /// <summary>
    /// Whether the open that saw the failure tries again. An exhausted pool is transient for the caller's next open,
    /// but not within this one: the attempt already waited the whole pool timeout for a free connection.
    /// </summary>
    public static bool IsRetriedWithinOpen(ConnectionFailureKind kind) => kind != ConnectionFailureKind.PoolExhausted && IsTransient(kind);
}
