using Testcontainers.PostgreSql;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>
/// A primary and a streaming standby, each in its own container: the standby's data directory is a
/// <c>pg_basebackup --write-recovery-conf</c> of the primary, taken over the bridge network before its server starts.
/// The tests of <see cref="ReplicationCollection"/> pause, stop and promote them, in declaration order.
/// </summary>
public sealed class ReplicationFixture : IAsyncLifetime
{
    public PostgreSqlContainer Primary { get; private set; } = null!;

    public PostgreSqlContainer Standby { get; private set; } = null!;

    /// <summary>Start-up of the primary, then of the standby (base backup included).</summary>
    public TimeSpan PrimaryStartupTime { get; private set; }

    public TimeSpan StandbyStartupTime { get; private set; }

    public async Task InitializeAsync()
    {
        Primary = Containers.Build(() => Containers.Postgres().Build());
        PrimaryStartupTime = await Containers.StartAsync(Primary);
        await Containers.ExecAsync(Primary, "sh", "-c", "printf '\\nhost replication all all scram-sha-256\\n' >> \"$PGDATA/pg_hba.conf\"");
        await Containers.QueryAsync<bool>(Containers.AdminConnectionString(Primary), "SELECT pg_reload_conf()");

        // Runs as root before the image's own entrypoint, which finds a data directory and starts the server on it.
        var standbyEntrypoint = string.Join("; ",
            "mkdir -p \"$PGDATA\"",
            $"PGPASSWORD=\"$POSTGRES_PASSWORD\" pg_basebackup --host={Primary.IpAddress} --port={PostgreSqlBuilder.PostgreSqlPort} --username=\"$POSTGRES_USER\" --pgdata=\"$PGDATA\" --write-recovery-conf --wal-method=stream --checkpoint=fast",
            "chown -R postgres:postgres \"$PGDATA\"",
            "chmod 700 \"$PGDATA\"",
            "exec docker-entrypoint.sh \"$@\"");
        Standby = Containers.Build(() => Containers.Postgres().WithEntrypoint("/bin/sh", "-ec", standbyEntrypoint, "--").Build());
        StandbyStartupTime = await Containers.StartAsync(Standby);
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Dispose(Primary), Dispose(Standby));

        static Task Dispose(PostgreSqlContainer? container) => container?.DisposeAsync().AsTask() ?? Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicationCollection : ICollectionFixture<ReplicationFixture>
{
    public const string Name = "PostgreSQL primary and standby containers";
}
