using BenchmarkDotNet.Attributes;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// Issue 13: a unit of work with trivial work (<c>SELECT 1</c>) through <see cref="ConnectionFactoryUnitOfWorkExtensions.ExecuteAsync{TResult}(IConnectionFactory, Func{NpgsqlConnection, CancellationToken, Task{TResult}}, CancellationToken)"/>
/// against the same done by hand through the factory (open, the same work, dispose); and a transaction (BEGIN, SELECT 1,
/// COMMIT) through <c>ExecuteInTransactionAsync</c> against the same by hand. Target: ≤ 1.05×. Same server and pool as
/// <see cref="PooledOpenBenchmarks"/>: TLS verify-full with the test CA, SCRAM, loopback, one warm pooled connection.
/// </summary>
[MemoryDiagnoser]
public class UnitOfWorkBenchmarks
{
    private PostgresTestBed _bed = null!;
    private PostgresServer _server = null!;
    private IConnectionFactory _factory = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bed = await PostgresTestBed.StartAsync();
        _server = await _bed.StartServerAsync(BenchServer.Options());
        _factory = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, "application_name=bench"), new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull });
        await using var connection = await _factory.OpenConnectionAsync();
        await Select1Async(connection, CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        _server.Dispose();
        _bed.Dispose();
    }

    [Benchmark(Baseline = true, Description = "By hand: factory open + SELECT 1 + dispose")]
    [BenchmarkCategory("13a unit of work: SELECT 1")]
    public async ValueTask<object?> ByHand_Select1()
    {
        await using var connection = await _factory.OpenConnectionAsync();
        return await Select1Async(connection, CancellationToken.None);
    }

    [Benchmark(Description = "ExecuteAsync(SELECT 1)")]
    [BenchmarkCategory("13a unit of work: SELECT 1")]
    public ValueTask<object?> ExecuteAsync_Select1()
        => _factory.ExecuteAsync(static (connection, cancellationToken) => Select1Async(connection, cancellationToken));

    [Benchmark(Baseline = true, Description = "By hand: factory open + BEGIN + SELECT 1 + COMMIT + dispose")]
    [BenchmarkCategory("13b unit of work in a transaction: SELECT 1")]
    public async ValueTask<object?> ByHand_Transaction_Select1()
    {
        await using var connection = await _factory.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await Select1Async(connection, CancellationToken.None);
        await transaction.CommitAsync();
        return result;
    }

    [Benchmark(Description = "ExecuteInTransactionAsync(SELECT 1)")]
    [BenchmarkCategory("13b unit of work in a transaction: SELECT 1")]
    public ValueTask<object?> ExecuteInTransactionAsync_Select1()
        => _factory.ExecuteInTransactionAsync(static (connection, transaction, cancellationToken) => Select1Async(connection, cancellationToken));

    private static async Task<object?> Select1Async(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
