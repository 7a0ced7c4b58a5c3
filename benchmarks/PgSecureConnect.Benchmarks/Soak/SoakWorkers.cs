using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>What a soak worker does.</summary>
internal enum WorkerKind
{
    /// <summary>Inserts a row with a client-generated key through <c>ExecuteInTransactionAsync</c> with a <c>verifySucceeded</c> that looks the key up.</summary>
    Writer,

    /// <summary>Looks a written key up through <c>ExecuteAsync</c> (primary or standby: <c>prefer-standby</c>).</summary>
    Reader,

    /// <summary>Looks a written key up on a plain <c>OpenConnectionAsync</c> (any server), no retry of the query.</summary>
    OpenReader,

    /// <summary>Looks a written key up through <c>ExecuteAsync</c> via PgBouncer.</summary>
    BouncerReader,
}

/// <summary>
/// The soak's workers, each a loop of operations paced 20 ms apart (a shared machine) until <see cref="StopAsync"/>. A writer's key is
/// <c>worker &lt;&lt; 40 | sequence</c>, generated before its unit and the same in every try; the writer remembers how many
/// units it started and which of them failed, so the acknowledged keys are known without keeping them (the harness's own
/// memory stays flat, and RSS growth is the library's). A unit in flight when the run stops runs to its end, so every
/// started unit ends acknowledged or failed.
/// </summary>
internal sealed class SoakWorkers : IDisposable
{
    public const string CreateTable = """
        CREATE TABLE soak_writes (key bigint NOT NULL, worker int NOT NULL, written_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX soak_writes_key ON soak_writes (key);
        """;

    private const int KeyShift = 40;
    private const int MaxErrorKinds = 200;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    private readonly (WorkerKind Kind, IConnectionFactory Factory)[] _workers;
    private readonly int _writers;
    private readonly long[] _started;
    private readonly ConcurrentQueue<long>[] _failedKeys;
    private readonly long[] _ops = new long[4];
    private readonly long[] _failed = new long[4];
    private readonly long[] _interrupted = new long[4];
    private readonly (TimeSpan Duration, TimeSpan StartedAt)[] _longest = new (TimeSpan, TimeSpan)[4];
    private readonly long[] _slow = new long[4];
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentQueue<(TimeSpan At, WorkerKind Kind, Exception Error)> _firstFailures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<TimeSpan> _now;
    private Task[] _tasks = [];

    /// <param name="workers">The workers; the writers come first (readers look up keys of workers 0 to writers − 1).</param>
    /// <param name="now">The run's clock.</param>
    public SoakWorkers(IReadOnlyList<(WorkerKind Kind, IConnectionFactory Factory)> workers, Func<TimeSpan> now)
    {
        if (workers.SkipWhile(w => w.Kind == WorkerKind.Writer).Any(w => w.Kind == WorkerKind.Writer))
        {
            throw new ArgumentException("The writers must come first.", nameof(workers));
        }

        _workers = [.. workers];
        _writers = workers.Count(w => w.Kind == WorkerKind.Writer);
        _started = new long[workers.Count];
        _failedKeys = workers.Select(_ => new ConcurrentQueue<long>()).ToArray();
        _now = now;
    }

    public long Operations => _ops.Sum();

    public long Failed => _failed.Sum();

    public long Interrupted => _interrupted.Sum();

    public long OperationsOf(WorkerKind kind) => Interlocked.Read(ref _ops[(int)kind]);

    public long FailedOf(WorkerKind kind) => Interlocked.Read(ref _failed[(int)kind]);

    public long InterruptedOf(WorkerKind kind) => Interlocked.Read(ref _interrupted[(int)kind]);

    /// <summary>The longest operation of a kind, and when (on the run's clock) it started.</summary>
    public (TimeSpan Duration, TimeSpan StartedAt) LongestOf(WorkerKind kind)
    {
        lock (_longest)
        {
            return _longest[(int)kind];
        }
    }

    /// <summary>Operations of a kind that took over a second.</summary>
    public long SlowOf(WorkerKind kind) => Interlocked.Read(ref _slow[(int)kind]);

    public IEnumerable<KeyValuePair<string, int>> ErrorKinds => _errors.OrderByDescending(e => e.Value);

    public IEnumerable<(TimeSpan At, WorkerKind Kind, Exception Error)> FirstFailures => _firstFailures;

    public static long Key(int worker, long sequence) => ((long)worker << KeyShift) | sequence;

    public void Start() => _tasks = _workers.Select((w, i) => Task.Run(() => RunAsync(i, w.Kind, w.Factory))).ToArray();

    /// <summary>Stops every loop and waits for the operations in flight, at most <paramref name="timeout"/>; false if some did not end.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        await _stop.CancelAsync();
        var all = Task.WhenAll(_tasks);
        return await Task.WhenAny(all, Task.Delay(timeout)) == all;
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>Every key a writer started, with whether its unit was acknowledged.</summary>
    public IEnumerable<(long Key, bool Acknowledged)> WrittenKeys()
    {
        for (var w = 0; w < _workers.Length; w++)
        {
            if (_workers[w].Kind != WorkerKind.Writer)
            {
                continue;
            }

            var failed = _failedKeys[w].ToHashSet();
            for (var sequence = 1L; sequence <= Volatile.Read(ref _started[w]); sequence++)
            {
                var key = Key(w, sequence);
                yield return (key, !failed.Contains(key));
            }
        }
    }

    private async Task RunAsync(int worker, WorkerKind kind, IConnectionFactory factory)
    {
        while (!_stop.IsCancellationRequested)
        {
            var startedAt = _now();
            var started = Stopwatch.GetTimestamp();
            var outcome = kind switch
            {
                WorkerKind.Writer => await WriteAsync(worker, factory),
                WorkerKind.OpenReader => await ReadOnPlainOpenAsync(factory),
                _ => await ReadAsync(factory),
            };
            var elapsed = Stopwatch.GetElapsedTime(started);
            Interlocked.Increment(ref _ops[(int)kind]);
            if (elapsed > TimeSpan.FromSeconds(1))
            {
                Interlocked.Increment(ref _slow[(int)kind]);
                lock (_longest)
                {
                    if (elapsed > _longest[(int)kind].Duration)
                    {
                        _longest[(int)kind] = (elapsed, startedAt);
                    }
                }
            }

            if (outcome is { } error)
            {
                if (error.Interrupted)
                {
                    Interlocked.Increment(ref _interrupted[(int)kind]);
                }
                else
                {
                    Interlocked.Increment(ref _failed[(int)kind]);
                }

                Record(kind, error.Exception, error.Interrupted);
            }

            try
            {
                await Task.Delay(Pace, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One unit: a new key (the same in every try), the insert, and the verification a lost COMMIT answer needs.</summary>
    private async Task<(Exception Exception, bool Interrupted)?> WriteAsync(int worker, IConnectionFactory factory)
    {
        var sequence = Interlocked.Increment(ref _started[worker]);
        var key = Key(worker, sequence);
        try
        {
            // No stop token: a unit in flight runs to its end, so every unit is acknowledged or failed.
            await factory.ExecuteInTransactionAsync(
                async (connection, transaction, cancellationToken) =>
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO soak_writes (key, worker) VALUES ($1, $2)", connection, transaction)
                    {
                        Parameters = { new() { Value = key }, new() { Value = worker } },
                    };
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                },
                verifySucceeded: async (connection, cancellationToken) =>
                {
                    await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM soak_writes WHERE key = $1)", connection)
                    {
                        Parameters = { new() { Value = key } },
                    };
                    return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
                });
            return null;
        }
        catch (Exception e)
        {
            _failedKeys[worker].Enqueue(key);
            return (e, false);
        }
    }

    private async Task<(Exception Exception, bool Interrupted)?> ReadAsync(IConnectionFactory factory)
    {
        var key = SomeWrittenKey();
        try
        {
            await factory.ExecuteAsync(key, static async (connection, key, cancellationToken) =>
            {
                await using var select = LookUp(connection, key);
                return await select.ExecuteScalarAsync(cancellationToken);
            });
            return null;
        }
        catch (Exception e)
        {
            return (e, false);
        }
    }

    /// <summary>
    /// A plain open has no retry once it is open: a failed open is a failure, a query that breaks on the open connection
    /// (a server killed under it) is counted apart as interrupted, since nothing promises otherwise.
    /// </summary>
    private async Task<(Exception Exception, bool Interrupted)?> ReadOnPlainOpenAsync(IConnectionFactory factory)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await factory.OpenConnectionAsync();
        }
        catch (Exception e)
        {
            return (e, false);
        }

        await using (connection)
        {
            try
            {
                await using var select = LookUp(connection, SomeWrittenKey());
                await select.ExecuteScalarAsync();
                return null;
            }
            catch (Exception e)
            {
                return (e, true);
            }
        }
    }

    private static NpgsqlCommand LookUp(NpgsqlConnection connection, long key) =>
        new("SELECT count(*) FROM soak_writes WHERE key = $1", connection) { Parameters = { new() { Value = key } } };

    private long SomeWrittenKey()
    {
        var writer = Random.Shared.Next(_writers);
        var written = Math.Max(1, Volatile.Read(ref _started[writer]));
        return Key(writer, Random.Shared.NextInt64(1, written + 1));
    }

    private void Record(WorkerKind kind, Exception error, bool interrupted)
    {
        var text = $"{kind}{(interrupted ? " (interrupted)" : string.Empty)}: {error.GetType().Name}: {error.Message.Split('\n')[0].Trim()}";
        if (_errors.Count < MaxErrorKinds || _errors.ContainsKey(text))
        {
            _errors.AddOrUpdate(text, 1, (_, n) => n + 1);
        }

        if (!interrupted && _firstFailures.Count < 5)
        {
            _firstFailures.Enqueue((_now(), kind, error));
        }
    }
}
