using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Item 6: every host down (three black holes, per-host connect timeout 1 s): how long until the open fails. The
/// factory with an overall deadline of 1.5 s (and, to show the 1/N bound, of 1 s), against a raw Npgsql multi-host
/// data source with <c>Timeout=1</c> over the same hosts. A fresh instance per trial; trials alternate.
/// </summary>
internal static class AllDownScenario
{
    private const int Hosts = 3;

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        var trials = options.Quick ? 1 : 3;
        var perHost = TimeSpan.FromSeconds(1);
        report.Heading($"Item 6: all {Hosts} hosts down (black holes), per-host timeout {perHost.TotalSeconds:0} s, {trials} trial(s) each");

        var holes = Enumerable.Range(0, Hosts).Select(_ => bed.StartBlackHole()).ToList();
        try
        {
            var hostList = string.Join(',', holes.Select(h => $"{h.Host}:{h.Port}"));
            var url = $"postgresql://app:secret@{hostList}/app?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}&application_name=alldown";
            ConnectionFactoryOptions Options(TimeSpan deadline) => new()
            {
                SslPolicy = SslPolicy.VerifyFull,
                Retry = new RetryPolicy { ConnectTimeout = perHost, OverallTimeout = deadline },
            };

            var cases = new (string Name, TimeSpan? Deadline, Func<Side> Create)[]
            {
                ("factory, OverallTimeout 1.5 s", TimeSpan.FromSeconds(1.5), () => Side.Factory(ConnectionFactory.FromUrl(url, Options(TimeSpan.FromSeconds(1.5))))),
                ("raw Npgsql multi-host, Timeout=1", null, () =>
                {
                    using var settings = ConnectionFactory.FromUrl(url, Options(TimeSpan.FromSeconds(1.5)));
                    return Side.Raw(BenchServer.RawMultiHost(settings));
                }),
                ("factory, OverallTimeout 1 s", TimeSpan.FromSeconds(1), () => Side.Factory(ConnectionFactory.FromUrl(url, Options(TimeSpan.FromSeconds(1))))),
            };

            var times = cases.Select(_ => new List<TimeSpan>()).ToArray();
            var errors = cases.Select(_ => new List<string>()).ToArray();
            for (var trial = 0; trial < trials; trial++)
            {
                var order = trial % 2 == 0 ? Enumerable.Range(0, cases.Length) : Enumerable.Range(0, cases.Length).Reverse();
                foreach (var i in order)
                {
                    await using var side = cases[i].Create();
                    using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    var (elapsed, error) = await Workload.TimeOpenAsync(side, guard.Token);
                    if (error is null)
                    {
                        report.Fail($"{cases[i].Name}: an open succeeded although every host is a black hole");
                        continue;
                    }

                    if (cases[i].Deadline is not null && error is not ConnectionFailedException)
                    {
                        report.Fail($"{cases[i].Name}: expected ConnectionFailedException, got {error.GetType().Name}: {Workload.FirstLine(error.Message)}");
                    }

                    times[i].Add(elapsed);
                    errors[i].Add(error is ConnectionFailedException failed
                        ? $"ConnectionFailedException ({failed.Kind}, {failed.Attempts.Count} attempts)"
                        : $"{error.GetType().Name}: {Workload.FirstLine(error.Message)}");
                }
            }

            var rawMedian = Stats.Median(times[1].Select(t => t.TotalSeconds));
            var rows = new List<IReadOnlyList<string>>();
            for (var i = 0; i < cases.Length; i++)
            {
                var median = Stats.Median(times[i].Select(t => t.TotalSeconds));
                var max = times[i].Count == 0 ? double.NaN : times[i].Max().TotalSeconds;
                var deadline = cases[i].Deadline;
                var ratio = median / rawMedian;
                string verdict;
                if (deadline is { } d)
                {
                    // 50 ms of slack for timer granularity and scheduling on a busy machine; the overshoot is printed either way.
                    var withinDeadline = max <= d.TotalSeconds + 0.05;
                    var withinShare = ratio <= 1.0 / Hosts;
                    verdict = $"deadline (+50 ms slack) {(withinDeadline ? "met" : "NOT met")}, worst {(max - d.TotalSeconds) * 1000:+0;-0} ms; ≤1/{Hosts} of raw {(withinShare ? "met" : "NOT met")}";
                    report.Notes.Add($"all hosts down, {cases[i].Name}: fails after {median:0.000} s (max {max:0.000} s), {Report.Ratio(ratio)} raw's {rawMedian:0.000} s; {verdict}");
                }
                else
                {
                    verdict = $"N × timeout = {Hosts * perHost.TotalSeconds:0} s";
                }

                rows.Add([
                    cases[i].Name,
                    Report.Num(median, "0.000"),
                    Report.Num(max, "0.000"),
                    i == 1 ? "1.000×" : Report.Ratio(ratio),
                    string.Join("; ", errors[i].Distinct()),
                    verdict,
                ]);
            }

            report.Table(["case", "time to fail s (median)", "max s", "vs raw", "error", "target: within deadline, ≤ 1/N of raw"], rows);
        }
        finally
        {
            foreach (var hole in holes)
            {
                hole.Dispose();
            }
        }
    }
}
