namespace PgSecureConnect.Testing;

/// <summary>What kind of standby <see cref="PostgresTestBed.StartStandbyAsync"/> starts. TLS mode, certificate kind and settings are the primary's.</summary>
public sealed class StandbyOptions
{
    /// <summary>
    /// Make this the primary's synchronous standby: its name goes into the primary's <c>synchronous_standby_names</c>,
    /// so commits on the primary wait for it; the start waits until <c>pg_stat_replication.sync_state</c> is 'sync'.
    /// </summary>
    public bool Synchronous { get; set; }

    /// <summary>The standby's <c>application_name</c> on the primary (pg_stat_replication); generated when null.</summary>
    public string? ApplicationName { get; set; }

    /// <summary>The IP address the standby listens on (default <c>127.0.0.1</c>; use e.g. <c>127.0.0.2</c> to give it a host of its own).</summary>
    public string ListenAddress { get; set; } = PostgresServerOptions.DefaultListenAddress;
}
