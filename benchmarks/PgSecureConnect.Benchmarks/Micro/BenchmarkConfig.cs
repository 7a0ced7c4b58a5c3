using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// In-process (the benchmarks need the test bed's servers, which live in this process), a short job with enough
/// iterations for a stable median, memory diagnoser, one baseline (raw Npgsql) per category, and two extra columns:
/// the ratio of medians and the allocation difference in bytes against the baseline.
/// </summary>
internal static class BenchmarkConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(4)
            .WithIterationCount(15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(400))
            .WithId("InProcess"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(StatisticColumn.Median, StatisticColumn.Min, new MedianRatioColumn(), new AllocatedDeltaColumn())
        .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
        .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared))
        .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
}

/// <summary>Median of this benchmark over the median of its category's baseline (BenchmarkDotNet's Ratio uses means).</summary>
internal sealed class MedianRatioColumn : IColumn
{
    public string Id => nameof(MedianRatioColumn);
    public string ColumnName => "Ratio(median)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Median time over the median time of the category's baseline (raw Npgsql)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        var mine = summary[benchmarkCase]?.ResultStatistics;
        var theirs = baseline is null ? null : summary[baseline]?.ResultStatistics;
        return mine is null || theirs is null || theirs.Median == 0
            ? "?"
            : (mine.Median / theirs.Median).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Allocated bytes per operation minus the baseline's (the target is 0 extra bytes per open).</summary>
internal sealed class AllocatedDeltaColumn : IColumn
{
    public string Id => nameof(AllocatedDeltaColumn);
    public string ColumnName => "Alloc Δ (B)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Allocated bytes per operation minus the category baseline's";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        var mine = summary[benchmarkCase]?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        var theirs = baseline is null ? null : summary[baseline]?.GcStats.GetBytesAllocatedPerOperation(baseline);
        return mine is null || theirs is null ? "?" : (mine.Value - theirs.Value).ToString("+0;-0;0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
