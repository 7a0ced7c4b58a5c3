using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Item 5: open latency when the first listed host is dead. Six instances over the same healthy server: factory and
/// raw Npgsql, each healthy-only, with a refused first host and with a black-hole first host (per-host connect timeout
/// 1 s; raw Npgsql: a multi-host data source with <c>Timeout=1</c>, default <c>Host Recheck Seconds</c> of 10, the
/// factory its default <c>HostRecheckInterval</c> of 10 s). First the first open of each, one at a time; then all six
/// run at once for the measurement window (2 workers each, a 2 ms pause between operations), so machine noise hits
/// them alike. Latencies are of the open alone.
/// </summary>
internal static class DeadHostScenario
{
    private const int WorkersPerInstance = 2;

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        var window = options.Quick ? TimeSpan.FromSeconds(6) : TimeSpan.FromSeconds(30);
        var pace = TimeSpan.FromMilliseconds(2);
        report.Heading($"Item 5: open latency with a dead first host (per-host timeout 1 s, {window.TotalSeconds:0} s window, {WorkersPerInstance} workers per instance, {pace.TotalMilliseconds:0} ms pause)");

        await using var server = await bed.StartServerAsync(BenchServer.Options());
        var factoryOptions = new ConnectionFactoryOptions
        {
            SslPolicy = SslPolicy.VerifyFull,
            MaxPoolSize = 20,
            Retry = new RetryPolicy { ConnectTimeout = TimeSpan.FromSeconds(1) },
        };
        var healthy = (server.Host, server.Port);
        using var refusedF = bed.CreateRefusedEndpoint();
        using var refusedR = bed.CreateRefusedEndpoint();
        using var holeF = bed.StartBlackHole();
        using var holeR = bed.StartBlackHole();

        IConnectionFactory Factory((string, int)[] hosts, string name) => ConnectionFactory.FromUrl(BenchServer.Url(bed, server, hosts, "application_name=" + name), factoryOptions);

        NpgsqlDataSource RawSingle((string, int)[] hosts, string name)
        {
            using var settings = Factory(hosts, name);
            return BenchServer.RawSingleHost(settings);
        }

        NpgsqlDataSource RawMulti((string, int)[] hosts, string name)
        {
            using var settings = Factory(hosts, name);
            return BenchServer.RawMultiHost(settings);
        }

        var cases = new List<(string Case, string Side, Side Instance, BlackHoleEndpoint? Hole)>();
        try
        {
            cases.Add(("healthy only", "factory", Side.Factory(Factory([healthy], "f-healthy")), null));
            cases.Add(("healthy only", "raw", Side.Raw(RawSingle([healthy], "r-healthy")), null));
            cases.Add(("refused first", "factory", Side.Factory(Factory([(refusedF.Host, refusedF.Port), healthy], "f-refused")), null));
            cases.Add(("refused first", "raw multi-host", Side.Raw(RawMulti([(refusedR.Host, refusedR.Port), healthy], "r-refused")), null));
            cases.Add(("black hole first", "factory", Side.Factory(Factory([(holeF.Host, holeF.Port), healthy], "f-hole")), holeF));
            cases.Add(("black hole first", "raw multi-host", Side.Raw(RawMulti([(holeR.Host, holeR.Port), healthy], "r-hole")), holeR));

            var firstOpens = new List<TimeSpan>();
            foreach (var c in cases)
            {
                var (elapsed, error) = await Workload.TimeOpenAsync(c.Instance);
                if (error is not null)
                {
                    report.Fail($"{c.Case}, {c.Side}: the first open failed: {Workload.FirstLine(error.Message)}");
                }

                firstOpens.Add(elapsed);
            }

            var acceptedBefore = cases.Select(c => c.Hole?.AcceptedConnections ?? 0).ToArray();
            var results = await Task.WhenAll(cases.Select(c => Workload.RunAsync(c.Instance, WorkersPerInstance, window, pace)));

            var rows = new List<IReadOnlyList<string>>();
            for (var i = 0; i < cases.Count; i++)
            {
                var (name, side, _, hole) = cases[i];
                var result = results[i];
                if (result.Errors > 0)
                {
                    report.Fail($"{name}, {side}: {result.Errors} failed operations, first: {Workload.FirstLine(result.FirstError!.Message)}");
                }

                var healthyP99 = results[i % 2].Opens.P99;
                rows.Add([
                    name,
                    side,
                    Report.Ms(firstOpens[i].TotalMilliseconds),
                    result.Opens.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Report.Ms(result.Opens.P50),
                    Report.Ms(result.Opens.P99),
                    Report.Ms(result.Opens.P999),
                    Report.Ms(result.Opens.Max),
                    result.Opens.CountAtLeast(TimeSpan.FromMilliseconds(100)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    hole is null ? "–" : $"{acceptedBefore[i]} + {hole.AcceptedConnections - acceptedBefore[i]}",
                    Report.Ratio(result.Opens.P99 / healthyP99),
                    Report.Ms(result.Operations.P99),
                ]);
                if (name == "black hole first" && side == "factory")
                {
                    var ratio = result.Opens.P99 / healthyP99;
                    report.Notes.Add($"black-hole first host: factory open p99 {Report.Ms(result.Opens.P99)} ms = {Report.Ratio(ratio)} the healthy-only p99 ({Report.Ms(healthyP99)} ms), max {Report.Ms(result.Opens.Max)} ms; target ≤1.1× {(ratio <= 1.1 ? "met" : "NOT met")}");
                }
            }

            report.Table(["case", "side", "first open ms", "opens", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "opens ≥100 ms", "black hole accepts (first + window)", "p99 / healthy p99 (same side)", "open+SELECT 1 p99 ms"], rows);
        }
        finally
        {
            foreach (var c in cases)
            {
                await c.Instance.DisposeAsync();
            }
        }
    }
}
