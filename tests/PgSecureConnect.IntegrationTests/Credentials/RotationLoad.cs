using System.Collections.Concurrent;
using Npgsql;

namespace PgSecureConnect.IntegrationTests.Credentials;

/// <summary>
/// Load for rotation tests: workers open through the factory and run one query, continuously, while the pools are
/// cleared every 100 ms so that new physical connections keep authenticating. Bounded: it stops when told, or after a
/// hard limit. Open failures and query failures are counted apart.
/// </summary>
internal sealed class RotationLoad : IDisposable
{
    private readonly IConnectionFactory _factory;
    private readonly Func<IEnumerable<NpgsqlDataSource>> _pools;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(3));
    private readonly List<Task> _tasks = [];
    private long _opens;

    public RotationLoad(IConnectionFactory factory, Func<IEnumerable<NpgsqlDataSource>> pools, int workers = 16, string query = "SELECT current_user")
    {
        _factory = factory;
        _pools = pools;
        for (var i = 0; i < workers; i++)
        {
            _tasks.Add(Task.Run(() => WorkAsync(query)));
        }

        _tasks.Add(Task.Run(ClearPoolsAsync));
    }

    public long Opens => Interlocked.Read(ref _opens);

    public ConcurrentQueue<string> OpenFailures { get; } = new();

    public ConcurrentQueue<string> QueryFailures { get; } = new();

    /// <summary>What the query returned, with how often (for <c>SELECT current_user</c>: which role the sessions ran as).</summary>
    public ConcurrentDictionary<string, int> Results { get; } = new();

    /// <summary>The result of the last query of each worker, after the load stopped.</summary>
    public ConcurrentQueue<string> LastResults { get; } = new();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
    }

    public void Dispose() => _stop.Dispose();

    private async Task WorkAsync(string query)
    {
        string? last = null;
        while (!_stop.IsCancellationRequested)
        {
            NpgsqlConnection connection;
            try
            {
                connection = await _factory.OpenConnectionAsync(CancellationToken.None);
                Interlocked.Increment(ref _opens);
            }
            catch (Exception e)
            {
                OpenFailures.Enqueue(e.Message);
                continue;
            }

            await using (connection)
            {
                try
                {
                    await using var command = new NpgsqlCommand(query, connection);
                    last = (await command.ExecuteScalarAsync())?.ToString() ?? string.Empty;
                    Results.AddOrUpdate(last, 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    QueryFailures.Enqueue(e.Message);
                }
            }
        }

        if (last is not null)
        {
            LastResults.Enqueue(last);
        }
    }

    private async Task ClearPoolsAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var pool in _pools())
            {
                pool.Clear();
            }

            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
