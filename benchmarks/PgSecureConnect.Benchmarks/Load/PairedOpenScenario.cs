using System.Diagnostics;
using Npgsql;
using PgSecureConnect.Testing;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Items 1 and 3 measured side by side: blocks of opens on one thread, the variants taking turns block by block (the
/// order rotating each round), so machine noise and drift hit all alike; each ratio is the median over rounds of
/// variant/raw within the round. Besides factory and raw, diagnostic variants show where a pooled open's extra time
/// goes: the factory's own Npgsql data source, the internal core, and raw Npgsql plus one clock read (the fast path reads
/// <see cref="TimeProvider.GetTimestamp"/> once per open). The first-connection operations (a cleared pool, a fresh
/// instance) measure TCP + TLS verify-full + SCRAM against the same server. Allocation per operation comes from the thread's counter when
/// every await completed synchronously (pooled open + close), else from the process-wide counter.
/// </summary>
internal static class PairedOpenScenario
{
    private static long s_sink;

    private sealed record Variant(string Name, Func<ValueTask<NpgsqlConnection>> Open, bool IsRaw = false, bool IsFactory = false);

    private sealed record Operation(string Name, bool Select, bool ClearFirst, int OpsPerBlock, int Rounds, Variant[] Variants, bool Listened = false);

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        report.Heading("Items 1 and 3 (paired blocks): pooled open + close, open + SELECT 1 + close, first physical connection");
        await using var server = await bed.StartServerAsync(BenchServer.Options());
        var url = BenchServer.Url(bed, server, "application_name=paired");
        var factoryOptions = new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull };
        await using var factory = ConnectionFactory.FromUrl(url, factoryOptions);
        var rawConnectionString = BenchServer.RawConnectionString(factory);
        await using var raw = NpgsqlDataSource.Create(rawConnectionString);
        var core = ConnectionFactoryCore.Of(factory)!;

        // Two servers, the second never reached by a pooled open: what racing (issue 14) costs a pooled open.
        using var second = bed.CreateRefusedEndpoint();
        (string, int)[] twoServers = [(server.Host, server.Port), (second.Host, second.Port)];
        await using var racing = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, twoServers, "application_name=paired"), factoryOptions);
        await using var notRacing = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, twoServers, "application_name=paired"),
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Retry = new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan } });
        await using var byName = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, [("localhost", server.Port)], "application_name=paired"), factoryOptions);
        var clock = TimeProvider.System;

        var rawVariant = new Variant("raw NpgsqlDataSource", () => raw.OpenConnectionAsync(), IsRaw: true);
        var factoryVariant = new Variant("factory", () => factory.OpenConnectionAsync(), IsFactory: true);
        var clearRaw = new Variant("raw NpgsqlDataSource", () => { raw.Clear(); return raw.OpenConnectionAsync(); }, IsRaw: true);
        var clearFactory = new Variant("factory", () => { factory.DataSource.Clear(); return factory.OpenConnectionAsync(); }, IsFactory: true);
        Operation[] operations =
        [
            new("pooled open+close", Select: false, ClearFirst: false, options.Quick ? 20_000 : 50_000, options.Quick ? 8 : 30,
            [
                rawVariant,
                factoryVariant,
                new("diagnostic: factory.DataSource (Npgsql as the factory configures it)", () => factory.DataSource.OpenConnectionAsync()),
                new("diagnostic: ConnectionFactoryCore.OpenConnectionAsync (internal)", () => core.OpenConnectionAsync(default)),
                new("factory, 2 servers, racing on (thread-cached token)", () => racing.OpenConnectionAsync()),
                new("factory, 2 servers, racing off", () => notRacing.OpenConnectionAsync()),
                new("factory, 1 server by name (localhost: racing its addresses)", () => byName.OpenConnectionAsync()),
                new("diagnostic: raw + one TimeProvider.System.GetTimestamp()", () =>
                {
                    Volatile.Write(ref s_sink, clock.GetTimestamp());
                    return raw.OpenConnectionAsync();
                }),
            ]),
            new("pooled open+close, PgSecureConnect meter and source listened to", Select: false, ClearFirst: false, options.Quick ? 20_000 : 50_000, options.Quick ? 8 : 30,
                [rawVariant, factoryVariant], Listened: true),
            new("pooled open+SELECT 1+close", Select: true, ClearFirst: false, options.Quick ? 300 : 1_000, options.Quick ? 8 : 30, [rawVariant, factoryVariant]),
            new("first connection: Clear() + open + close (TLS verify-full + SCRAM)", Select: false, ClearFirst: true, options.Quick ? 5 : 10, options.Quick ? 6 : 30, [clearRaw, clearFactory]),
            new("first connection: fresh instance + open + close + dispose", Select: false, ClearFirst: true, options.Quick ? 5 : 10, options.Quick ? 6 : 30,
            [
                new("raw: NpgsqlDataSource.Create", () => OpenFreshAsync(() => NpgsqlDataSource.Create(rawConnectionString)), IsRaw: true),
                new("factory: ConnectionFactory.FromUrl", () => OpenFreshAsync(() => ConnectionFactory.FromUrl(url, factoryOptions)), IsFactory: true),
            ]),
        ];

        foreach (var operation in operations)
        {
            using var listener = operation.Listened ? TelemetryListener.Start() : null;

            // Warm up until the JIT has tiered up every path (tier-0 code is several times slower and allocates more).
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < (operation.ClearFirst ? TimeSpan.FromSeconds(1) : options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(4)))
            {
                foreach (var variant in operation.Variants)
                {
                    await BlockAsync(variant.Open, operation.Select, Math.Max(1, operation.OpsPerBlock / 4));
                }
            }

            var n = operation.Variants.Length;
            var ns = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
            var bytes = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
            var ratios = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < operation.Rounds; round++)
            {
                var thisRound = new double[n];
                for (var k = 0; k < n; k++)
                {
                    var i = (k + round) % n;
                    var (time, allocated) = await BlockAsync(operation.Variants[i].Open, operation.Select, operation.OpsPerBlock);
                    thisRound[i] = time;
                    ns[i].Add(time);
                    bytes[i].Add(allocated);
                }

                for (var i = 0; i < n; i++)
                {
                    ratios[i].Add(thisRound[i] / thisRound[0]);
                }
            }

            var rawBytes = Stats.Median(bytes[0]);
            var rows = new List<IReadOnlyList<string>>();
            for (var i = 0; i < n; i++)
            {
                var variant = operation.Variants[i];
                var ratio = Stats.Median(ratios[i]);
                var extra = Stats.Median(bytes[i]) - rawBytes;
                // Allocation is judged here only where it is counted on the thread (pooled open + close); with I/O the
                // process-wide counter also sees timers and the thread pool: BenchmarkDotNet's figure is the one to use.
                var verdict = !variant.IsFactory ? ""
                    : operation.ClearFirst ? "(no target)"
                    : operation.Listened ? "(the price of telemetry; no target)"
                    : operation.Select ? $"time {(ratio <= 1.03 ? "met" : "NOT met")} (B/op process-wide: see BenchmarkDotNet)"
                    : ratio <= 1.03 && extra <= 0.5 ? "met" : "NOT met";
                rows.Add([
                    variant.Name,
                    Report.Num(Stats.Median(ns[i]), ns[i][0] >= 100_000 ? "#,0" : "0.0"),
                    variant.IsRaw ? "1.000×" : Report.Ratio(ratio),
                    variant.IsRaw ? "" : $"{Report.Ratio(ratios[i].Min())} – {Report.Ratio(ratios[i].Max())}",
                    Report.Num(Stats.Median(bytes[i]), "0.0"),
                    variant.IsRaw ? "" : Report.Num(extra, "+0.0;-0.0;0"),
                    verdict,
                ]);
                if (variant.IsFactory)
                {
                    report.Notes.Add($"paired {operation.Name}: factory/raw time {Report.Ratio(ratio)}, {Report.Num(extra, "+0.0;-0.0;0")} B/op extra");
                }
            }

            report.Line($"**{operation.Name}**: {operation.Rounds} rounds × {operation.OpsPerBlock} operations per variant");
            report.Line();
            report.Table(["variant", "ns/op (median)", "ratio to raw (median of rounds)", "ratio range", "B/op", "extra B/op", "target ≤1.03×, 0 B"], rows);
        }
    }

    /// <summary>Creates an instance, opens and closes one connection, disposes the instance; returns a closed connection object.</summary>
    private static async ValueTask<NpgsqlConnection> OpenFreshAsync(Func<IAsyncDisposable> create)
    {
        var owner = create();
        await using (owner)
        {
            var connection = owner is IConnectionFactory factory ? await factory.OpenConnectionAsync() : await ((NpgsqlDataSource)owner).OpenConnectionAsync();
            await connection.DisposeAsync();
            return connection;
        }
    }

    private static async Task<(double Ns, double Bytes)> BlockAsync(Func<ValueTask<NpgsqlConnection>> open, bool select, int operations)
    {
        var thread = Environment.CurrentManagedThreadId;
        var threadBytes = GC.GetAllocatedBytesForCurrentThread();
        var totalBytes = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var synchronous = true;
        for (var i = 0; i < operations; i++)
        {
            var pending = open();
            synchronous &= pending.IsCompleted;
            await using var connection = await pending;
            if (select)
            {
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync();
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var bytes = synchronous && !select && Environment.CurrentManagedThreadId == thread
            ? GC.GetAllocatedBytesForCurrentThread() - threadBytes
            : GC.GetTotalAllocatedBytes(precise: true) - totalBytes;
        return (elapsed.TotalNanoseconds / operations, (double)bytes / operations);
    }
}
