namespace PgSecureConnect.Testing;

/// <summary>How <see cref="PostgresServer.StopAsync"/> shuts a server down (<c>pg_ctl stop -m</c>).</summary>
public enum StopMode
{
    /// <summary>Disconnects clients (they see 57P01), checkpoints, exits cleanly.</summary>
    Fast = 0,

    /// <summary>Exits at once without a checkpoint; the next start runs crash recovery.</summary>
    Immediate,
}
