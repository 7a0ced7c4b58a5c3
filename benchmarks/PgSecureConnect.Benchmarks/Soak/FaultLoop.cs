using System.Diagnostics;
using System.Globalization;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>The faults a soak run picks from.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL the primary, promote the standby, rebuild the old primary as the new one's standby.</summary>
    KillAndPromote,

    /// <summary>SIGSTOP the postmaster and backends of a server for a while, then SIGCONT.</summary>
    Freeze,

    /// <summary>Stop a server (fast shutdown) and start it at once, or restart PgBouncer.</summary>
    Restart,

    /// <summary>Drop every packet to a server's or PgBouncer's port for a while (iptables).</summary>
    BlackHole,

    /// <summary>Stop a server (immediate shutdown): its port refuses connections for a while, then it starts again.</summary>
    Refuse,

    /// <summary>pg_terminate_backend of every client session of a server.</summary>
    Terminate,
}

/// <summary>
/// The bounded fault loop: from a healthy cluster, a pause of 1.5–3 s, then a fault picked at random (each kind once per
/// shuffled round, so that short runs see every kind), lasting 1–3 s where it has a duration, undone in a <c>finally</c>.
/// No fault starts when less than 4 s of the run are left. Every fault is written to the log as it ends.
/// </summary>
internal sealed class FaultLoop(SoakCluster cluster, Random random, bool blackHoles, Func<TimeSpan> now, Action<string> log)
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(60);
    private readonly Queue<FaultKind> _round = new();

    public Dictionary<FaultKind, int> Counts { get; } = [];

    public async Task RunAsync(TimeSpan end)
    {
        while (true)
        {
            var pause = TimeSpan.FromMilliseconds(random.Next(1500, 3000));
            if (now() + pause + TimeSpan.FromSeconds(4) > end)
            {
                return;
            }

            await Task.Delay(pause);
            var waited = now();
            await cluster.WaitHealthyAsync(HealthyTimeout);
            waited = now() - waited;
            if (now() + TimeSpan.FromSeconds(3) > end)
            {
                return;
            }

            var kind = Next();
            var started = now();
            var what = await InjectAsync(kind);
            Counts[kind] = Counts.GetValueOrDefault(kind) + 1;
            var took = now() - started;
            log(string.Create(CultureInfo.InvariantCulture, $"[{started.TotalSeconds,6:0.0} s] {kind}: {what} ({took.TotalSeconds:0.0} s; healthy after {Ms(waited)}; RSS {ProcessResources.ResidentMegabytesAfterCollection():0.0} MiB, managed heap {ProcessResources.ManagedHeapMegabytes():0.0} MiB, {ThreadPool.ThreadCount} pool threads)"));
        }
    }

    private FaultKind Next()
    {
        if (_round.Count == 0)
        {
            var kinds = Enum.GetValues<FaultKind>().Where(k => blackHoles || k != FaultKind.BlackHole).ToArray();
            random.Shuffle(kinds);
            foreach (var kind in kinds)
            {
                _round.Enqueue(kind);
            }
        }

        return _round.Dequeue();
    }

    private PostgresServer AnyServer() => random.Next(2) == 0 ? cluster.Primary : cluster.Standby;

    private TimeSpan Duration() => TimeSpan.FromMilliseconds(random.Next(1000, 3000));

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private async Task<string> InjectAsync(FaultKind kind)
    {
        switch (kind)
        {
            case FaultKind.KillAndPromote:
            {
                var old = cluster.Describe(cluster.Primary);
                var delay = TimeSpan.FromMilliseconds(random.Next(300, 1000));
                var (promotion, rebuild) = await cluster.FailOverAsync(delay);
                return $"killed {old}, promoted {cluster.Describe(cluster.Primary)} after {Ms(delay)} (promotion {Ms(promotion)}), rebuilt the old primary as its synchronous standby in {Ms(rebuild)}";
            }

            case FaultKind.Freeze:
            {
                var server = AnyServer();
                var what = cluster.Describe(server);
                var duration = Duration();
                server.Freeze();
                try
                {
                    await Task.Delay(duration);
                }
                finally
                {
                    server.Thaw();
                }

                return $"froze {what} for {Ms(duration)}";
            }

            case FaultKind.Restart:
            {
                if (random.Next(3) == 0)
                {
                    var restart = Stopwatch.StartNew();
                    await cluster.Bouncer.RestartAsync();
                    return $"restarted PgBouncer :{cluster.Bouncer.Port} in {Ms(restart.Elapsed)}";
                }

                var server = AnyServer();
                var what = cluster.Describe(server);
                var clock = Stopwatch.StartNew();
                try
                {
                    await server.StopAsync(StopMode.Fast);
                }
                finally
                {
                    await server.StartAsync();
                }

                return $"restarted {what} (fast shutdown) in {Ms(clock.Elapsed)}";
            }

            case FaultKind.BlackHole:
            {
                var pick = random.Next(3);
                var (port, what) = pick == 2
                    ? (cluster.Bouncer.Port, $"PgBouncer :{cluster.Bouncer.Port}")
                    : pick == 0 ? (cluster.Primary.Port, cluster.Describe(cluster.Primary)) : (cluster.Standby.Port, cluster.Describe(cluster.Standby));
                var duration = Duration();
                var hole = await PortBlackHole.StartAsync(port);
                try
                {
                    await Task.Delay(duration);
                }
                finally
                {
                    await hole.DisposeAsync();
                }

                return $"black-holed {what} for {Ms(duration)}";
            }

            case FaultKind.Refuse:
            {
                var server = AnyServer();
                var what = cluster.Describe(server);
                var duration = Duration();
                try
                {
                    await server.StopAsync(StopMode.Immediate);
                    await Task.Delay(duration);
                }
                finally
                {
                    await server.StartAsync();
                }

                return $"stopped {what} (immediate shutdown), refused for {Ms(duration)}";
            }

            case FaultKind.Terminate:
            {
                var server = AnyServer();
                var terminated = await server.TerminateBackendsAsync();
                return $"terminated {terminated} sessions on {cluster.Describe(server)}";
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
