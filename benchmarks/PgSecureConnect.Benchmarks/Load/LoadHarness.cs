using System.Diagnostics;
using System.Runtime.InteropServices;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>What a <c>load</c> run does; <c>--quick</c> shortens every phase for CI.</summary>
internal sealed record LoadOptions(bool Quick, IReadOnlySet<string> Only, string? OutputPath)
{
    public static readonly string[] Scenarios = ["paired", "throughput", "deadhost", "alldown", "recovery", "unitofwork", "colddead"];

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    public static LoadOptions Parse(string[] args)
    {
        var quick = false;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--only" when i + 1 < args.Length:
                    foreach (var name in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Scenarios.Contains(name, StringComparer.OrdinalIgnoreCase))
                        {
                            throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", Scenarios)}");
                        }

                        only.Add(name);
                    }

                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'; usage: load [--quick] [--only {string.Join(",", Scenarios)}] [--out report.md]");
            }
        }

        return new LoadOptions(quick, only, output);
    }
}

/// <summary>
/// The load harness: the factory and raw Npgsql built from the same settings, alternated (or run side by side) in one
/// process against throwaway servers of the test bed. Timings are printed, never judged: the exit code is non-zero only
/// when something breaks functionally (failed operations on a healthy server, a factory that does not fail when every
/// host is down, a writer that never recovers, or an acknowledged row lost in the failover).
/// </summary>
internal static class LoadHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var report = new Report();
        var clock = Stopwatch.StartNew();
        report.Line($"## Load harness ({(options.Quick ? "quick" : "full")} run)");
        report.Line();
        report.Line($"- started: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        report.Line($"- machine: {MachineInfo.CpuModel()}, {Environment.ProcessorCount} cores, {MachineInfo.OsName()}, {RuntimeInformation.FrameworkDescription}");
        report.Line($"- load average at start: {MachineInfo.LoadAverage()}");

        PostgresTestBed bed;
        try
        {
            bed = await PostgresTestBed.StartAsync();
        }
        catch (Exception e)
        {
            report.Fail($"the test bed did not start: {e.Message}");
            return 1;
        }

        await using (bed)
        {
            report.Line($"- PostgreSQL: {bed.Installation}");
            var scenarios = new (string Name, Func<Task> Run)[]
            {
                ("paired", () => PairedOpenScenario.RunAsync(bed, options, report)),
                ("throughput", () => ThroughputScenario.RunAsync(bed, options, report)),
                ("deadhost", () => DeadHostScenario.RunAsync(bed, options, report)),
                ("alldown", () => AllDownScenario.RunAsync(bed, options, report)),
                ("recovery", () => RecoveryScenario.RunAsync(bed, options, report)),
                ("unitofwork", () => UnitOfWorkScenario.RunAsync(bed, options, report)),
                ("colddead", () => ColdDeadFirstScenario.RunAsync(bed, options, report)),
            };
            foreach (var (name, run) in scenarios.Where(s => options.Runs(s.Name)))
            {
                var started = clock.Elapsed;
                try
                {
                    await run();
                }
                catch (Exception e)
                {
                    report.Fail($"scenario '{name}' threw {e.GetType().Name}: {e.Message}");
                    Console.Error.WriteLine(e);
                }

                report.Line($"_({name}: {(clock.Elapsed - started).TotalSeconds:0.0} s)_");
            }
        }

        report.Heading("Summary");
        foreach (var note in report.Notes)
        {
            report.Line($"- {note}");
        }

        report.Line($"- load average at end: {MachineInfo.LoadAverage()}");
        report.Line($"- total time: {clock.Elapsed.TotalSeconds:0.0} s");
        report.Line(report.Failures.Count == 0
            ? "- functional checks: all passed (timings are reported, not judged)"
            : $"- functional checks: {report.Failures.Count} FAILED: {string.Join("; ", report.Failures)}");
        if (options.OutputPath is { } path)
        {
            report.Save(path);
        }

        return report.Failures.Count == 0 ? 0 : 1;
    }
}

internal static class MachineInfo
{
    public static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    public static string OsName()
    {
        try
        {
            var pretty = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return pretty is null ? RuntimeInformation.OSDescription : pretty["PRETTY_NAME=".Length..].Trim('"') + $" (kernel {Environment.OSVersion.Version})";
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
