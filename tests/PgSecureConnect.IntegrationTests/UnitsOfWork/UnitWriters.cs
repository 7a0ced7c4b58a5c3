using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.UnitsOfWork;

/// <summary>
/// Writers that insert rows with client-generated keys through <see cref="ConnectionFactoryUnitOfWorkExtensions.ExecuteInTransactionAsync{TResult}"/>,
/// with a <c>verifySucceeded</c> that looks the key up, and what became of every unit: acknowledged keys, failures, durations.
/// </summary>
internal sealed class UnitWriters : IAsyncDisposable
{
    public const string CreateTable = "CREATE TABLE units (key uuid PRIMARY KEY, writer int NOT NULL)";

    private readonly IConnectionFactory _factory;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;
    private readonly ConcurrentQueue<TimeSpan>[] _finishedAt;

    public UnitWriters(IConnectionFactory factory, int count)
    {
        _factory = factory;
        _finishedAt = Enumerable.Range(0, count).Select(_ => new ConcurrentQueue<TimeSpan>()).ToArray();
        _writers = Enumerable.Range(0, count).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
    }

    public TimeSpan Now => _clock.Elapsed;

    public ConcurrentBag<Guid> Acknowledged { get; } = [];

    public ConcurrentBag<(int Writer, TimeSpan StartedAt, TimeSpan Duration, Exception Error)> Failures { get; } = [];

    /// <summary>Every unit (acknowledged or failed): when it started and how long it took.</summary>
    public ConcurrentBag<(TimeSpan StartedAt, TimeSpan Duration, bool Acknowledged)> Units { get; } = [];

    public int Verifications => Volatile.Read(ref _verifications);

    /// <summary>When the first unit that started at or after <paramref name="after"/> was acknowledged: the outage as the _writers saw it ended.</summary>
    public TimeSpan FirstAcknowledgedStartingAfter(TimeSpan after)
        => Units.Where(u => u.StartedAt >= after && u.Acknowledged).Select(u => u.StartedAt + u.Duration).DefaultIfEmpty(TimeSpan.MaxValue).Min();

    private int _verifications;

    /// <summary>Waits until every writer has finished <paramref name="units"/> units that started after <paramref name="after"/>.</summary>
    public async Task WaitUntilEveryWriterCompletesAsync(int units, TimeSpan after, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (_finishedAt.Any(f => f.Count(t => t > after) < units) && deadline.Elapsed < timeout && !_writers.Any(w => w.IsCompleted))
        {
            await Task.Delay(20);
        }

        _finishedAt.Select(f => f.Count(t => t > after)).Should().OnlyContain(n => n >= units, $"every writer completes {units} units after {after.TotalMilliseconds:F0} ms within {timeout.TotalSeconds} s");
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    /// <summary>Prints the figures and checks the database: every acknowledged key stored once, nothing else stored.</summary>
    public async Task<Figures> CheckAsync(NpgsqlConnectionStringBuilder database, ITestOutputHelper output, string scenario)
    {
        var stored = new List<Guid>();
        await using (var connection = await Connect.OpenAsync(database))
        await using (var select = new NpgsqlCommand("SELECT key FROM units", connection))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetGuid(0));
            }
        }

        var storedSet = stored.ToHashSet();
        var acknowledged = Acknowledged.ToHashSet();
        var figures = new Figures(
            Units.Count,
            Failures.Count,
            Lost: acknowledged.Count(k => !storedSet.Contains(k)),
            Duplicates: stored.Count - storedSet.Count + Failures.Count(f => f.Error.Chain().OfType<PostgresException>().Any(p => p.SqlState == PostgresErrorCodes.UniqueViolation)),
            Unacknowledged: storedSet.Count(k => !acknowledged.Contains(k)),
            MaxDuration: Units.Select(u => u.Duration).DefaultIfEmpty().Max(),
            Verifications);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario}: {figures.Units} units, {figures.Failed} failed, {figures.Lost} acknowledged rows lost, {figures.Duplicates} duplicates, {figures.Unacknowledged} stored but unacknowledged, {figures.Verifications} _verifications, longest unit {figures.MaxDuration.TotalMilliseconds:F0} ms"));
        foreach (var slow in Units.OrderByDescending(u => u.Duration).Take(3))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  slow unit: started at {slow.StartedAt.TotalMilliseconds:F0} ms, took {slow.Duration.TotalMilliseconds:F0} ms"));
        }

        foreach (var failure in Failures.Take(3))
        {
            output.WriteLine($"  failure (writer {failure.Writer} at {failure.StartedAt.TotalMilliseconds:F0} ms): {failure.Error}");
        }

        return figures;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task WriteAsync(int writer)
    {
        while (!_stop.IsCancellationRequested)
        {
            var key = Guid.NewGuid();
            var started = _clock.Elapsed;
            try
            {
                // No _stop token inside: a unit in flight runs to its end, so every unit is either acknowledged or failed.
                await _factory.ExecuteInTransactionAsync(
                    async (connection, transaction, cancellationToken) =>
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO units (key, writer) VALUES ($1, $2)", connection, transaction)
                        {
                            Parameters = { new() { Value = key }, new() { Value = writer } },
                        };
                        await insert.ExecuteNonQueryAsync(cancellationToken);
                    },
                    verifySucceeded: async (connection, cancellationToken) =>
                    {
                        Interlocked.Increment(ref _verifications);
                        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM units WHERE key = $1)", connection)
                        {
                            Parameters = { new() { Value = key } },
                        };
                        return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
                    });
                Acknowledged.Add(key);
                Units.Add((started, _clock.Elapsed - started, true));
                _finishedAt[writer].Enqueue(_clock.Elapsed);
            }
            catch (Exception e)
            {
                Units.Add((started, _clock.Elapsed - started, false));
                Failures.Add((writer, started, _clock.Elapsed - started, e));
            }
        }
    }

    public sealed record Figures(int Units, int Failed, int Lost, int Duplicates, int Unacknowledged, TimeSpan MaxDuration, int Verifications);
}
