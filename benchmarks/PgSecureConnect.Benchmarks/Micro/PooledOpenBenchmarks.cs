using BenchmarkDotNet.Attributes;
using Npgsql;
using PgSecureConnect.Testing;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// Item 1: a pooled open + close, and open + <c>SELECT 1</c> + close, through the factory and through a raw
/// <see cref="NpgsqlDataSource"/> built from the same settings (TLS verify-full with the test CA, SCRAM, loopback).
/// Both pools hold one warm physical connection; no operation here opens a new one.
/// </summary>
[MemoryDiagnoser]
public class PooledOpenBenchmarks
{
    private PostgresTestBed _bed = null!;
    private PostgresServer _server = null!;
    private IConnectionFactory _factory = null!;
    private IConnectionFactory _factoryReadWrite = null!;
    private NpgsqlDataSource _raw = null!;
    private RefusedEndpoint _second = null!;
    private IConnectionFactory _factoryTwoServers = null!;
    private IConnectionFactory _factoryTwoServersNoRacing = null!;
    private IConnectionFactory _factoryByName = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bed = await PostgresTestBed.StartAsync();
        _server = await _bed.StartServerAsync(BenchServer.Options());
        var options = new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull };
        _factory = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, "application_name=bench"), options);
        _factoryReadWrite = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, "application_name=bench&target_session_attrs=read-write"), options);
        _raw = BenchServer.RawSingleHost(_factory);

        // Two servers (the second never reached on a pooled open): the racing path's cost on a pooled open (issue 14).
        _second = _bed.CreateRefusedEndpoint();
        (string, int)[] twoServers = [(_server.Host, _server.Port), (_second.Host, _second.Port)];
        _factoryTwoServers = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, twoServers, "application_name=bench"), options);
        _factoryTwoServersNoRacing = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, twoServers, "application_name=bench"),
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Retry = new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan } });

        // One server by host name: a single-server factory that races the name's addresses (issue 14) on a new connection.
        _factoryByName = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, [("localhost", _server.Port)], "application_name=bench"), options);

        // One warm physical connection in each pool; the benchmarks measure pooled opens only.
        foreach (var open in new Func<ValueTask<NpgsqlConnection>>[] { () => _factory.OpenConnectionAsync(), () => _factoryReadWrite.OpenConnectionAsync(), () => _raw.OpenConnectionAsync(), () => _factoryTwoServers.OpenConnectionAsync(), () => _factoryTwoServersNoRacing.OpenConnectionAsync(), () => _factoryByName.OpenConnectionAsync() })
        {
            await using var connection = await open();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        _factoryReadWrite.Dispose();
        _factoryTwoServers.Dispose();
        _factoryTwoServersNoRacing.Dispose();
        _factoryByName.Dispose();
        _second.Dispose();
        _raw.Dispose();
        _server.Dispose();
        _bed.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Raw NpgsqlDataSource")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Raw_OpenClose()
    {
        await using var connection = await _raw.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Factory_OpenClose()
    {
        await using var connection = await _factory.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory, 2 servers (racing on: thread-cached token)")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Factory_TwoServers_OpenClose()
    {
        await using var connection = await _factoryTwoServers.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory, 1 server by name (racing its addresses: thread-cached token)")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Factory_ByName_OpenClose()
    {
        await using var connection = await _factoryByName.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory, 2 servers (racing off)")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Factory_TwoServersNoRacing_OpenClose()
    {
        await using var connection = await _factoryTwoServersNoRacing.OpenConnectionAsync();
    }

    // Diagnostics for 1a: where the factory's extra time goes. The factory's own single-host NpgsqlDataSource (Npgsql
    // configured by the factory: SSL Mode=Require plus the certificate callback), then the internal core (disposed check
    // + FailoverConnectionOpener.OpenAsync), then the public interface (IConnectionFactory -> UrlConnectionFactory -> core).
    [Benchmark(Description = "diagnostic: factory.DataSource.OpenConnectionAsync (Npgsql only)")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Diagnostic_FactoryDataSource_OpenClose()
    {
        await using var connection = await _factory.DataSource.OpenConnectionAsync();
    }

    [Benchmark(Description = "diagnostic: ConnectionFactoryCore.OpenConnectionAsync (internal)")]
    [BenchmarkCategory("1a open+close")]
    public async ValueTask Diagnostic_Core_OpenClose()
    {
        await using var connection = await ConnectionFactoryCore.Of(_factory)!.OpenConnectionAsync(default);
    }

    [Benchmark(Baseline = true, Description = "Raw NpgsqlDataSource (sync)")]
    [BenchmarkCategory("1b open+close sync")]
    public void Raw_OpenClose_Sync()
    {
        using var connection = _raw.OpenConnection();
    }

    [Benchmark(Description = "Factory (sync)")]
    [BenchmarkCategory("1b open+close sync")]
    public void Factory_OpenClose_Sync()
    {
        using var connection = _factory.OpenConnection();
    }

    [Benchmark(Baseline = true, Description = "Raw NpgsqlDataSource")]
    [BenchmarkCategory("1c open+close, target_session_attrs=read-write")]
    public async ValueTask Raw_OpenClose_ForReadWrite()
    {
        await using var connection = await _raw.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory, target_session_attrs=read-write")]
    [BenchmarkCategory("1c open+close, target_session_attrs=read-write")]
    public async ValueTask Factory_OpenClose_ReadWrite()
    {
        await using var connection = await _factoryReadWrite.OpenConnectionAsync();
    }

    [Benchmark(Baseline = true, Description = "Raw NpgsqlDataSource")]
    [BenchmarkCategory("1d open+SELECT 1+close")]
    public async ValueTask<object?> Raw_OpenSelect1Close()
    {
        await using var connection = await _raw.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync();
    }

    [Benchmark(Description = "Factory")]
    [BenchmarkCategory("1d open+SELECT 1+close")]
    public async ValueTask<object?> Factory_OpenSelect1Close()
    {
        await using var connection = await _factory.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync();
    }
}
