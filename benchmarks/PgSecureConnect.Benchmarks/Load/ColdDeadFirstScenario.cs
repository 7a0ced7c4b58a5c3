using System.Globalization;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Item 8 (issue 14): the first open of a fresh instance when the first listed server is dead, with no
/// <c>connect_timeout</c> given (the factory's default <see cref="RetryPolicy.ConnectTimeout"/> of 10 s, which raw
/// Npgsql gets too, as <c>Timeout=10</c>). Side by side: the factory (racing, <see cref="RetryPolicy.AttemptDelay"/>
/// 250 ms), the factory with racing off, and raw Npgsql multi-host (<c>Host=deadhost,goodhost</c>), each against a
/// black-holed first server (TCP accepted, never answered) and a direct open of the healthy server. Every trial uses
/// a new instance and a new black hole, so each open is cold.
/// </summary>
internal static class ColdDeadFirstScenario
{
    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        var trials = options.Quick ? 2 : 5;
        report.Heading($"Item 8: cold first open with a black-holed first server, no connect_timeout given ({trials} trials each, median and max)");
        await using var server = await bed.StartServerAsync(BenchServer.Options());
        var healthy = (server.Host, server.Port);
        var racing = new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull };
        var sequential = new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Retry = new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan } };

        var cases = new (string Case, string Side, Func<(string, int)?, Side> Create)[]
        {
            ("direct (healthy only)", "factory", _ => Side.Factory(ConnectionFactory.FromUrl(BenchServer.Url(bed, server, [healthy], "application_name=cold-direct"), racing))),
            ("direct (healthy only)", "raw Npgsql", _ => Side.Raw(RawSingle([healthy]))),
            ("black hole first", "factory (racing, 250 ms)", hole => Side.Factory(ConnectionFactory.FromUrl(BenchServer.Url(bed, server, [hole!.Value, healthy], "application_name=cold-race"), racing))),
            ("black hole first", "factory (racing off)", hole => Side.Factory(ConnectionFactory.FromUrl(BenchServer.Url(bed, server, [hole!.Value, healthy], "application_name=cold-sequential"), sequential))),
            ("black hole first", "raw Npgsql multi-host", hole => Side.Raw(RawMulti([hole!.Value, healthy]))),
        };

        // JIT and TLS set-up, untimed (the two sequential cases would each wait out a 10 s connect timeout).
        foreach (var (_, _, create) in cases.Take(3))
        {
            using var hole = bed.StartBlackHole();
            await using var side = create((hole.Host, hole.Port));
            await Workload.TimeOpenAsync(side);
        }

        var rows = new List<IReadOnlyList<string>>();
        var medians = new Dictionary<string, double>();
        foreach (var (name, sideName, create) in cases)
        {
            var times = new List<double>();
            for (var i = 0; i < trials; i++)
            {
                using var hole = bed.StartBlackHole();
                await using var side = create((hole.Host, hole.Port));
                var (elapsed, error) = await Workload.TimeOpenAsync(side);
                if (error is not null)
                {
                    report.Fail($"{name}, {sideName}: the first open failed: {Workload.FirstLine(error.Message)}");
                }

                times.Add(elapsed.TotalMilliseconds);
            }

            times.Sort();
            var median = times[times.Count / 2];
            medians[$"{name}/{sideName}"] = median;
            rows.Add([name, sideName, Report.Ms(median), Report.Ms(times[^1]), string.Join(", ", times.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))]);
        }

        report.Table(["case", "side", "median ms", "max ms", "all trials ms"], rows);
        var direct = medians["direct (healthy only)/factory"];
        var raced = medians["black hole first/factory (racing, 250 ms)"];
        var raw = medians["black hole first/raw Npgsql multi-host"];
        report.Notes.Add($"cold first open, black-holed first server, no connect_timeout: factory {Report.Ms(raced)} ms (direct {Report.Ms(direct)} ms, +{Report.Ms(raced - direct)} ms; target ≤ +400 ms {(raced - direct <= 400 ? "met" : "NOT met")}), raw Npgsql multi-host {Report.Ms(raw)} ms");

        NpgsqlDataSource RawSingle((string, int)[] hosts)
        {
            using var settings = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, hosts, "application_name=cold-raw"), racing);
            return BenchServer.RawSingleHost(settings);
        }

        NpgsqlDataSource RawMulti((string, int)[] hosts)
        {
            using var settings = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, hosts, "application_name=cold-raw-multi"), racing);
            return BenchServer.RawMultiHost(settings);
        }
    }
}
