using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Item 4: throughput and p50/p99 latency of open + <c>SELECT 1</c> + close at 1, 2×cores, 8×cores and 2×MaxPoolSize
/// concurrent workers. Per concurrency: a warm-up of each side, then rounds of factory and raw back to back (order
/// alternating by round); ratios are the median of the per-round factory/raw ratios.
/// </summary>
internal static class ThroughputScenario
{
    private const int MaxPoolSize = 20;

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        var cores = Environment.ProcessorCount;
        int[] levels = [1, 2 * cores, 8 * cores, 2 * MaxPoolSize];
        var rounds = options.Quick ? 2 : 6;
        var phase = options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2.5);
        var warmUp = options.Quick ? TimeSpan.FromSeconds(0.3) : TimeSpan.FromSeconds(1);
        report.Heading($"Item 4: throughput and latency of open + SELECT 1 + close (MaxPoolSize={MaxPoolSize}, {rounds} rounds × {phase.TotalSeconds:0.#} s per side and concurrency)");

        await using var server = await bed.StartServerAsync(BenchServer.Options());
        var factory = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, "application_name=throughput"),
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, MaxPoolSize = MaxPoolSize });
        await using var factorySide = Side.Factory(factory);
        await using var rawSide = Side.Raw(BenchServer.RawSingleHost(factory));

        var rows = new List<IReadOnlyList<string>>();
        var allMet = true;
        foreach (var workers in levels)
        {
            await Workload.RunAsync(factorySide, workers, warmUp);
            await Workload.RunAsync(rawSide, workers, warmUp);
            var f = new List<PhaseResult>();
            var r = new List<PhaseResult>();
            for (var round = 0; round < rounds; round++)
            {
                if (round % 2 == 0)
                {
                    f.Add(await Workload.RunAsync(factorySide, workers, phase));
                    r.Add(await Workload.RunAsync(rawSide, workers, phase));
                }
                else
                {
                    r.Add(await Workload.RunAsync(rawSide, workers, phase));
                    f.Add(await Workload.RunAsync(factorySide, workers, phase));
                }
            }

            foreach (var (side, results) in new[] { ("factory", f), ("raw Npgsql", r) })
            {
                if (results.Sum(x => x.Errors) is var errors and > 0)
                {
                    report.Fail($"{side} at {workers} workers: {errors} failed operations on a healthy server, first: {results.First(x => x.FirstError is not null).FirstError!.Message}");
                }
            }

            var throughputRatio = Stats.Median(f.Zip(r, (a, b) => a.Throughput / b.Throughput));
            var p50Ratio = Stats.Median(f.Zip(r, (a, b) => a.Operations.P50 / b.Operations.P50));
            var p99Ratio = Stats.Median(f.Zip(r, (a, b) => a.Operations.P99 / b.Operations.P99));
            var met = throughputRatio >= 0.98 && p99Ratio <= 1.05;
            allMet &= met;
            rows.Add([
                workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Report.Num(Stats.Median(f.Select(x => x.Throughput))),
                Report.Num(Stats.Median(r.Select(x => x.Throughput))),
                Report.Ratio(throughputRatio),
                $"{Report.Ratio(f.Zip(r, (a, b) => a.Throughput / b.Throughput).Min())} – {Report.Ratio(f.Zip(r, (a, b) => a.Throughput / b.Throughput).Max())}",
                Report.Ms(Stats.Median(f.Select(x => x.Operations.P50))),
                Report.Ms(Stats.Median(r.Select(x => x.Operations.P50))),
                Report.Ratio(p50Ratio),
                Report.Ms(Stats.Median(f.Select(x => x.Operations.P99))),
                Report.Ms(Stats.Median(r.Select(x => x.Operations.P99))),
                Report.Ratio(p99Ratio),
                Report.Num(Stats.Median(f.Select(x => x.BytesPerOperation))),
                Report.Num(Stats.Median(r.Select(x => x.BytesPerOperation))),
                met ? "met" : "NOT met",
            ]);
        }

        report.Table(["workers", "factory ops/s", "raw ops/s", "throughput ratio", "ratio range", "factory p50 ms", "raw p50 ms", "p50 ratio", "factory p99 ms", "raw p99 ms", "p99 ratio", "factory B/op", "raw B/op", "target ≥0.98×, p99 ≤1.05×"], rows);
        report.Notes.Add($"throughput: target (≥0.98× throughput and ≤1.05× p99 at every concurrency) {(allMet ? "met" : "NOT met")}");
    }
}
