using System.Globalization;
using BenchmarkDotNet.Running;
using PgSecureConnect.Benchmarks.Load;
using PgSecureConnect.Benchmarks.Micro;
using PgSecureConnect.Benchmarks.Soak;

// dotnet run -c Release --project benchmarks/PgSecureConnect.Benchmarks [-- BenchmarkDotNet args, e.g. --filter *Parse*]
// dotnet run -c Release --project benchmarks/PgSecureConnect.Benchmarks -- load [--quick] [--only a,b] [--out file.md]
// dotnet run -c Release --project benchmarks/PgSecureConnect.Benchmarks -- soak [--seconds N] [--seed S]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length > 0 && args[0] == "load")
{
    return await LoadHarness.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "soak")
{
    return await SoakRun.RunAsync(args[1..]);
}

// Without a filter BenchmarkSwitcher asks interactively which benchmarks to run: run them all.
if (!args.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)))
{
    args = [.. args, "--filter", "*"];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, BenchmarkConfig.Create()).ToList();
var failed = summaries.Count == 0
    || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
return failed ? 1 : 0;
