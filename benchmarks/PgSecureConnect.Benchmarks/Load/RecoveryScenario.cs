using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Item 7: recovery after failover. A primary with a synchronous standby; 16 writers insert rows through one instance
/// (<c>target_session_attrs=read-write</c>, both hosts listed); the primary is crashed (SIGKILL), 500 ms later the standby
/// is promoted. Per writer: the time from the end of the promotion (<c>pg_ctl promote -w</c> returned and
/// <c>pg_is_in_recovery()</c> is false) to its first acknowledged insert after it, and its failed operations; then every
/// acknowledged id is looked up on the new primary (rows lost must be 0). The factory runs first on its own pair of
/// servers, then raw Npgsql (a multi-host data source with <c>Target Session Attributes=read-write</c>) on a fresh pair.
/// A failed operation is followed by a 10 ms pause on both sides.
/// </summary>
internal static class RecoveryScenario
{
    private const int Writers = 16;

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        var window = TimeSpan.FromSeconds(15);
        report.Heading($"Item 7: recovery after failover ({Writers} writers, synchronous standby promoted 500 ms after the primary's crash; {window.TotalSeconds:0} s window)");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var side in new[] { "factory", "raw Npgsql multi-host" })
        {
            var result = await RunSideAsync(bed, side == "factory", window);
            var recovered = result.Resume.Where(t => t is not null).Select(t => t!.Value.TotalMilliseconds).ToArray();
            rows.Add([
                side,
                $"{recovered.Length}/{Writers}",
                Report.Ms(recovered.Length == 0 ? double.NaN : recovered.Min()),
                Report.Ms(Stats.Median(recovered)),
                Report.Ms(recovered.Length == 0 ? double.NaN : recovered.Max()),
                result.FailedBeforePromotion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                result.FailedAfterPromotion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                result.Acknowledged.ToString(System.Globalization.CultureInfo.InvariantCulture),
                result.Lost.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Report.Ms(result.PromotionTook.TotalMilliseconds),
            ]);
            report.Line($"- {side}: resume after promotion per writer (ms): {string.Join(", ", result.Resume.Select(t => t is { } v ? Report.Ms(v.TotalMilliseconds) : "never"))}");
            report.Line($"- {side}: failed operations per writer: {string.Join(", ", result.FailuresPerWriter)}");
            foreach (var (error, count) in result.ErrorKinds.Take(4))
            {
                report.Line($"  - {count} × {error}");
            }

            if (side == "factory")
            {
                var max = recovered.Length == Writers ? recovered.Max() : double.PositiveInfinity;
                report.Notes.Add($"recovery (factory): {recovered.Length}/{Writers} writers resumed, slowest {Report.Ms(max)} ms after promotion, median {Report.Ms(Stats.Median(recovered))} ms; {result.Lost} rows lost; target ≤1 s per worker {(max <= 1000 ? "met" : "NOT met")}");
                if (result.Lost > 0)
                {
                    report.Fail($"factory: {result.Lost} acknowledged rows are missing on the new primary");
                }

                if (recovered.Length < Writers)
                {
                    report.Fail($"factory: {Writers - recovered.Length} writers did not write again within {window.TotalSeconds:0} s of the promotion");
                }
            }
            else
            {
                report.Notes.Add($"recovery (raw multi-host): {recovered.Length}/{Writers} writers resumed, slowest {(recovered.Length == Writers ? Report.Ms(recovered.Max()) : "never")} ms, {result.Lost} rows lost");
            }
        }

        report.Line();
        report.Table(["side", "writers resumed", "min ms", "median ms", "max ms", "failed ops before promotion", "failed ops after promotion", "acknowledged rows", "rows lost", "promotion took ms"], rows);
    }

    private sealed record SideResult(TimeSpan?[] Resume, int[] FailuresPerWriter, int FailedBeforePromotion, int FailedAfterPromotion, int Acknowledged, int Lost, TimeSpan PromotionTook, IReadOnlyList<(string Error, int Count)> ErrorKinds);

    private static async Task<SideResult> RunSideAsync(PostgresTestBed bed, bool useFactory, TimeSpan window)
    {
        await using var primary = await bed.StartServerAsync(BenchServer.Options());
        await using var standby = await bed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true });
        await primary.ExecuteScalarAsync<object>("CREATE TABLE writes (id bigint PRIMARY KEY, writer int NOT NULL)");

        var factory = ConnectionFactory.FromUrl(
            BenchServer.Url(bed, primary, [(primary.Host, primary.Port), (standby.Host, standby.Port)], "target_session_attrs=read-write&application_name=writers"),
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull });
        Side side;
        if (useFactory)
        {
            side = Side.Factory(factory);
        }
        else
        {
            side = Side.Raw(BenchServer.RawMultiHost(factory));
            await factory.DisposeAsync();
        }

        await using var _ = side;
        var clock = Stopwatch.StartNew();
        var acknowledged = new ConcurrentBag<long>();
        var failures = new ConcurrentBag<(int Writer, TimeSpan At, Exception Error)>();
        var successes = Enumerable.Range(0, Writers).Select(_ => new ConcurrentQueue<TimeSpan>()).ToArray();
        long nextId = 0;
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int writer)
        {
            while (!stop.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref nextId);
                try
                {
                    var connection = await side.Open(stop.Token);
                    await using (connection)
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO writes (id, writer) VALUES ($1, $2)", connection)
                        {
                            Parameters = { new() { Value = id }, new() { Value = writer } },
                        };
                        await insert.ExecuteNonQueryAsync(stop.Token);
                    }

                    acknowledged.Add(id);
                    successes[writer].Enqueue(clock.Elapsed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    failures.Add((writer, clock.Elapsed, e));
                    try
                    {
                        await Task.Delay(10, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        var warmUp = Stopwatch.StartNew();
        while (successes.Any(s => s.Count < 3) && warmUp.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        if (successes.Any(s => s.Count < 3))
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            throw new InvalidOperationException($"not every writer wrote 3 rows within 20 s before the failure ({failures.Count} failures, first: {failures.FirstOrDefault().Error?.Message})");
        }

        await primary.CrashAsync();
        await Task.Delay(500);
        var promoteStarted = clock.Elapsed;
        await standby.PromoteAsync();
        var promotedAt = clock.Elapsed;

        var deadline = Stopwatch.StartNew();
        while (successes.Any(s => !s.Any(t => t > promoteStarted)) && deadline.Elapsed < window)
        {
            await Task.Delay(20);
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // A write acknowledged between 'promote' and its return counts as resumed at 0 ms.
        var resume = successes.Select(s => s.Where(t => t > promoteStarted).Order().Cast<TimeSpan?>().FirstOrDefault() is { } first
            ? (TimeSpan?)(first > promotedAt ? first - promotedAt : TimeSpan.Zero)
            : null).ToArray();
        var perWriter = Enumerable.Range(0, Writers).Select(w => failures.Count(f => f.Writer == w)).ToArray();

        var stored = new HashSet<long>();
        await using (var connection = new NpgsqlConnection(standby.ConnectionString))
        {
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT id FROM writes", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetInt64(0));
            }
        }

        var lost = acknowledged.Count(id => !stored.Contains(id));
        var kinds = failures
            .GroupBy(f => f.Error.GetType().Name + ": " + Workload.FirstLine(f.Error.Message))
            .OrderByDescending(g => g.Count())
            .Select(g => (g.Key, g.Count()))
            .ToList();
        return new SideResult(resume, perWriter, failures.Count(f => f.At <= promotedAt), failures.Count(f => f.At > promotedAt),
            acknowledged.Count, lost, promotedAt - promoteStarted, kinds);
    }
}
