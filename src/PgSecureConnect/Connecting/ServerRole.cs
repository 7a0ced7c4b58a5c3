namespace PgSecureConnect.Connecting;

/// <summary>What a server was last seen to be.</summary>
internal enum ServerRole
{
    Unknown = 0,

    /// <summary>Not in recovery, <c>default_transaction_read_only=off</c>.</summary>
    Primary,

    /// <summary>Not in recovery, but <c>default_transaction_read_only=on</c>.</summary>
    ReadOnlyPrimary,

    /// <summary>In recovery (hot standby).</summary>
    Standby,
}
