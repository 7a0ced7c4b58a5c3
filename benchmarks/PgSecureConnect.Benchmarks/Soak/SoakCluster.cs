using System.Diagnostics;
using System.Globalization;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// The servers of a soak run: two PostgreSQL servers, one the primary and the other its synchronous standby (the roles
/// swap at each failover, the hosts and ports never change), and PgBouncer in front of the first server whatever its role.
/// </summary>
internal sealed class SoakCluster : IAsyncDisposable
{
    private readonly PostgresTestBed _bed;

    private SoakCluster(PostgresTestBed bed, PostgresServer first, PostgresServer second, PgBouncerServer bouncer)
    {
        _bed = bed;
        First = first;
        Second = second;
        Primary = first;
        Standby = second;
        Bouncer = bouncer;
    }

    public PostgresServer First { get; }

    public PostgresServer Second { get; }

    public PostgresServer Primary { get; private set; }

    public PostgresServer Standby { get; private set; }

    public PgBouncerServer Bouncer { get; }

    public int Failovers { get; private set; }

    public IEnumerable<int> Ports => [First.Port, Second.Port, Bouncer.Port];

    public static async Task<SoakCluster> StartAsync(PostgresTestBed bed, string createTable)
    {
        var first = await bed.StartServerAsync(BenchServer.Options());
        PostgresServer? second = null;
        try
        {
            second = await bed.StartStandbyAsync(first, new StandbyOptions { Synchronous = true });
            var bouncer = await bed.StartPgBouncerAsync(first, new PgBouncerOptions { ClientTls = true, PoolSize = 8 });
            await first.ExecuteScalarAsync<object>(createTable);
            return new SoakCluster(bed, first, second, bouncer);
        }
        catch
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            await first.DisposeAsync();
            throw;
        }
    }

    /// <summary>Names a server by role and port, for the fault log.</summary>
    public string Describe(PostgresServer server)
        => string.Create(CultureInfo.InvariantCulture, $"{(server == Primary ? "primary" : "standby")} {server.Name} :{server.Port}");

    /// <summary>
    /// Waits until both servers and PgBouncer run and nothing is frozen, the primary takes writes, and the standby streams
    /// synchronously and has flushed everything the primary had flushed when the wait began: the state every fault starts from.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string? lsn = null;
        var why = "not checked yet";
        while (clock.Elapsed < timeout)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                why = await WhyNotHealthyAsync(limit.Token);
                if (why.Length == 0)
                {
                    // Caught up with the primary's flushed WAL of this moment, not a moving target.
                    lsn ??= await Primary.ExecuteScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text", limit.Token);
                    var flushed = await Primary.ExecuteScalarAsync<bool>(
                        $"SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync' AND flush_lsn >= '{lsn}'::pg_lsn)", limit.Token);
                    if (flushed)
                    {
                        return;
                    }

                    why = $"the standby has not flushed {lsn} yet";
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
            {
                why = e.Message;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"the cluster did not become healthy within {timeout.TotalSeconds:0} s: {why}");
    }

    /// <summary>
    /// Kill and promote: SIGKILL the primary, promote the standby after <paramref name="promotionDelay"/>, then rebuild the
    /// old primary as the new primary's synchronous standby on its own port (so the next kill has a standby again).
    /// </summary>
    public async Task<(TimeSpan Promotion, TimeSpan Rebuild)> FailOverAsync(TimeSpan promotionDelay)
    {
        var old = Primary;
        var next = Standby;
        await old.CrashAsync();
        await Task.Delay(promotionDelay);
        var promote = Stopwatch.StartNew();
        await next.PromoteAsync();
        var promotion = promote.Elapsed;
        Primary = next;
        Standby = old;
        Failovers++;
        var rebuild = Stopwatch.StartNew();
        await _bed.RebuildAsStandbyAsync(old, next, new StandbyOptions { Synchronous = true });
        return (promotion, rebuild.Elapsed);
    }

    /// <summary>The safety net on every way out: no server stays frozen.</summary>
    public void ThawAll()
    {
        foreach (var server in new[] { First, Second })
        {
            try
            {
                server.Thaw();
            }
            catch (ObjectDisposedException)
            {
                // Gone already.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        ThawAll();
        await Bouncer.DisposeAsync();
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }

    private async Task<string> WhyNotHealthyAsync(CancellationToken cancellationToken)
    {
        foreach (var server in new[] { First, Second })
        {
            if (!server.IsRunning)
            {
                return $"{Describe(server)} is not running";
            }

            if (server.IsFrozen)
            {
                return $"{Describe(server)} is frozen";
            }
        }

        if (Bouncer.ProcessId is null)
        {
            return "PgBouncer is not running";
        }

        if (await Primary.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()", cancellationToken))
        {
            return $"{Describe(Primary)} is in recovery";
        }

        if (!await Standby.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()", cancellationToken))
        {
            return $"{Describe(Standby)} is not in recovery";
        }

        var streaming = await Primary.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'", cancellationToken);
        return streaming == 1 ? string.Empty : $"{Describe(Primary)} has {streaming} synchronous standbys streaming";
    }
}
