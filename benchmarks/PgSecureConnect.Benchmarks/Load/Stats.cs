using System.Diagnostics;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>Latency samples in <see cref="Stopwatch"/> ticks, summarized in milliseconds.</summary>
internal sealed class Latencies
{
    private readonly long[] _sorted;

    public Latencies(IEnumerable<long> ticks)
    {
        _sorted = ticks.ToArray();
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double P999 => Percentile(0.999);

    public double Max => Count == 0 ? double.NaN : ToMs(_sorted[^1]);

    public int CountAtLeast(TimeSpan threshold)
    {
        var ticks = (long)(threshold.TotalSeconds * Stopwatch.Frequency);
        var index = Array.BinarySearch(_sorted, ticks);
        index = index < 0 ? ~index : index;
        while (index > 0 && _sorted[index - 1] >= ticks)
        {
            index--;
        }

        return Count - index;
    }

    /// <summary>Nearest-rank percentile, in milliseconds.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * Count) - 1;
        return ToMs(_sorted[Math.Clamp(rank, 0, Count - 1)]);
    }

    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
