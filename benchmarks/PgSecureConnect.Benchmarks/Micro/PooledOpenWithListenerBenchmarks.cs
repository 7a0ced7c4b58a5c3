using BenchmarkDotNet.Attributes;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// Item 1 with telemetry on: the pooled open + close of <see cref="PooledOpenBenchmarks"/> while a
/// <see cref="MeterListener"/> records every PgSecureConnect instrument and an <see cref="ActivityListener"/> samples
/// the PgSecureConnect source with all data (what an OpenTelemetry SDK with PgSecureConnect's instrumentation does).
/// Npgsql's own meter and source are not listened to, so the raw baseline pays nothing for them either. Without a
/// listener (<see cref="PooledOpenBenchmarks"/>) the factory takes its unmeasured fast path.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet calls [GlobalCleanup], which disposes them.")]
public class PooledOpenWithListenerBenchmarks
{
    private PostgresTestBed _bed = null!;
    private PostgresServer _server = null!;
    private IConnectionFactory _factory = null!;
    private IConnectionFactory _factoryEveryOpenTraced = null!;
    private NpgsqlDataSource _raw = null!;
    private Load.TelemetryListener _listener = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bed = await PostgresTestBed.StartAsync();
        _server = await _bed.StartServerAsync(BenchServer.Options());
        _factory = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, "application_name=bench"), new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Name = "bench" });
        _factoryEveryOpenTraced = ConnectionFactory.FromUrl(BenchServer.Url(_bed, _server, "application_name=bench"),
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Name = "bench-traced", TraceEveryOpen = true });
        _raw = BenchServer.RawSingleHost(_factory);

        _listener = Load.TelemetryListener.Start();

        foreach (var open in new Func<ValueTask<NpgsqlConnection>>[] { () => _factory.OpenConnectionAsync(), () => _factoryEveryOpenTraced.OpenConnectionAsync(), () => _raw.OpenConnectionAsync() })
        {
            await using var connection = await open();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        if (_listener.Measurements == 0)
        {
            throw new InvalidOperationException("the listener saw no measurement: the benchmark would not measure what it says");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _factory.Dispose();
        _factoryEveryOpenTraced.Dispose();
        _raw.Dispose();
        _server.Dispose();
        _bed.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Raw NpgsqlDataSource")]
    [BenchmarkCategory("1e open+close, PgSecureConnect meter and source listened to")]
    public async ValueTask Raw_OpenClose()
    {
        await using var connection = await _raw.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory (metrics recorded)")]
    [BenchmarkCategory("1e open+close, PgSecureConnect meter and source listened to")]
    public async ValueTask Factory_OpenClose()
    {
        await using var connection = await _factory.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory, TraceEveryOpen (metrics + a span per open)")]
    [BenchmarkCategory("1e open+close, PgSecureConnect meter and source listened to")]
    public async ValueTask Factory_OpenClose_Traced()
    {
        await using var connection = await _factoryEveryOpenTraced.OpenConnectionAsync();
    }
}
