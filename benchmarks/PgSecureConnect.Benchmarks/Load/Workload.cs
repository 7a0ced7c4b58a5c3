using System.Diagnostics;
using Npgsql;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>One way of opening connections under test: a factory, or a raw Npgsql data source.</summary>
internal sealed class Side(string name, Func<CancellationToken, ValueTask<NpgsqlConnection>> open, IAsyncDisposable owner) : IAsyncDisposable
{
    public string Name { get; } = name;

    public Func<CancellationToken, ValueTask<NpgsqlConnection>> Open { get; } = open;

    public static Side Factory(IConnectionFactory factory, string name = "factory") => new(name, factory.OpenConnectionAsync, factory);

    public static Side Raw(NpgsqlDataSource dataSource, string name = "raw Npgsql") => new(name, dataSource.OpenConnectionAsync, dataSource);

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}

/// <summary>What one phase of workers measured.</summary>
internal sealed record PhaseResult(Latencies Operations, Latencies Opens, int Errors, Exception? FirstError, TimeSpan Elapsed, long AllocatedBytes)
{
    public double Throughput => Operations.Count / Elapsed.TotalSeconds;

    /// <summary>Bytes allocated by the whole process during the phase, per completed operation.</summary>
    public double BytesPerOperation => Operations.Count == 0 ? double.NaN : (double)AllocatedBytes / Operations.Count;
}

internal static class Workload
{
    /// <summary>
    /// Runs <paramref name="workers"/> concurrent loops of open + <c>SELECT 1</c> + close for <paramref name="duration"/>,
    /// all released at once; with <paramref name="pace"/>, each worker waits that long between operations. Records the
    /// latency of the whole operation and of the open alone. A failed operation is counted and followed by a 10 ms pause.
    /// </summary>
    public static async Task<PhaseResult> RunAsync(Side side, int workers, TimeSpan duration, TimeSpan? pace = null)
    {
        var operations = new List<long>[workers];
        var opens = new List<long>[workers];
        var errors = 0;
        Exception? firstError = null;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long end = 0;
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));

        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var operationTimes = operations[w] = new List<long>(4096);
            var openTimes = opens[w] = new List<long>(4096);
            await gate.Task.ConfigureAwait(false);
            var stopAt = Volatile.Read(ref end);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var connection = await side.Open(abort.Token).ConfigureAwait(false);
                    var opened = Stopwatch.GetTimestamp();
                    await using (connection.ConfigureAwait(false))
                    {
                        await using var command = new NpgsqlCommand("SELECT 1", connection);
                        await command.ExecuteScalarAsync(abort.Token).ConfigureAwait(false);
                    }

                    var finished = Stopwatch.GetTimestamp();
                    openTimes.Add(opened - started);
                    operationTimes.Add(finished - started);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e, null);
                    if (abort.IsCancellationRequested)
                    {
                        return;
                    }

                    await Task.Delay(10).ConfigureAwait(false);
                }

                if (pace is { } wait)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }
            }
        })).ToArray();

        await Task.Delay(50).ConfigureAwait(false);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref end, start + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        gate.SetResult();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new PhaseResult(new Latencies(operations.SelectMany(o => o)), new Latencies(opens.SelectMany(o => o)), errors, firstError, elapsed, allocated);
    }

    /// <summary>Times one open (and close) of a connection; the exception, if any, is returned, not thrown.</summary>
    public static async Task<(TimeSpan Elapsed, Exception? Error)> TimeOpenAsync(Side side, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var connection = await side.Open(cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            await connection.DisposeAsync().ConfigureAwait(false);
            return (elapsed, null);
        }
        catch (Exception e)
        {
            return (Stopwatch.GetElapsedTime(started), e);
        }
    }

    public static string FirstLine(string text) => text.Split('\n')[0];
}
