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
        await FirstAddressOfNameAsync(bed, server, trials, racing, report);

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

    /// <summary>
    /// The same for one server given by a host name whose first address is black-holed: <c>localhost</c> resolving to
    /// <c>::1</c> (a black hole on the server's port) then <c>127.0.0.1</c> (the server). Raw Npgsql connects TCP to
    /// <c>::1</c>, then waits for the answer to its SSLRequest until its Timeout, and does not go on to the next address.
    /// </summary>
    private static async Task FirstAddressOfNameAsync(PostgresTestBed bed, PostgresServer server, int trials, ConnectionFactoryOptions racing, Report report)
    {
        var resolved = System.Net.Dns.GetHostAddresses("localhost");
        if (resolved.Length < 2 || !resolved[0].Equals(System.Net.IPAddress.IPv6Loopback) || !resolved.Contains(System.Net.IPAddress.Loopback))
        {
            report.Notes.Add($"cold first open, black-holed first address of a host name: not measured, localhost resolves to [{string.Join(", ", resolved.Select(a => a.ToString()))}] here, not ::1 then 127.0.0.1 (add '::1 localhost' to /etc/hosts)");
            return;
        }

        var byName = new[] { ("localhost", server.Port) };
        var cases = new (string Side, Func<Side> Create)[]
        {
            ("factory (racing the addresses, 250 ms)", () => Side.Factory(ConnectionFactory.FromUrl(BenchServer.Url(bed, server, byName, "application_name=cold-address-race"), racing))),
            ("raw Npgsql by name", () =>
            {
                using var settings = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, byName, "application_name=cold-address-raw"), racing);
                return Side.Raw(BenchServer.RawSingleHost(settings));
            }),
        };

        using (var warmUpHole = bed.StartBlackHole(System.Net.IPAddress.IPv6Loopback, server.Port))
        {
            await using var side = cases[0].Create();
            await Workload.TimeOpenAsync(side);
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var (sideName, create) in cases)
        {
            var times = new List<double>();
            var outcomes = new List<string>();
            for (var i = 0; i < trials; i++)
            {
                using var hole = bed.StartBlackHole(System.Net.IPAddress.IPv6Loopback, server.Port);
                await using var side = create();
                var (elapsed, error) = await Workload.TimeOpenAsync(side);
                times.Add(elapsed.TotalMilliseconds);
                outcomes.Add(error is null ? "connected" : "failed: " + Workload.FirstLine(error.Message));
            }

            var sorted = times.Order().ToList();
            rows.Add(["localhost: ::1 black-holed, 127.0.0.1 serving", sideName, Report.Ms(sorted[sorted.Count / 2]), Report.Ms(sorted[^1]),
                string.Join("; ", outcomes.Distinct())]);
        }

        report.Table(["case", "side", "median ms", "max ms", "outcome"], rows);
    }
}
