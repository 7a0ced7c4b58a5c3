using BenchmarkDotNet.Attributes;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// Item 3: the first physical connection: TCP over loopback, TLS with verify-full against the test CA, SCRAM-SHA-256.
/// 3a clears the pool before each open (Clear closes the previous iteration's idle connection, on both sides);
/// 3b creates a fresh factory, or a fresh <see cref="NpgsqlDataSource"/>, per operation and disposes it after.
/// Raw Npgsql is given the same settings: <c>SSL Mode=VerifyFull</c> and <c>Root Certificate</c> (the factory instead
/// uses Npgsql's <c>Require</c> plus its own libpq-rules certificate check with the root certificates read once).
/// </summary>
[MemoryDiagnoser]
public class FirstConnectionBenchmarks
{
    private PostgresTestBed _bed = null!;
    private PostgresServer _server = null!;
    private string _url = null!;
    private ConnectionFactoryOptions _options = null!;
    private string _rawConnectionString = null!;
    private IConnectionFactory _factory = null!;
    private NpgsqlDataSource _raw = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bed = await PostgresTestBed.StartAsync();
        _server = await _bed.StartServerAsync(BenchServer.Options());
        _url = BenchServer.Url(_bed, _server, "application_name=bench");
        _options = new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull };
        _factory = ConnectionFactory.FromUrl(_url, _options);
        _rawConnectionString = BenchServer.RawConnectionString(_factory);
        _raw = NpgsqlDataSource.Create(_rawConnectionString);
        var check = new NpgsqlConnectionStringBuilder(_rawConnectionString);
        if (check.SslMode != SslMode.VerifyFull || string.IsNullOrEmpty(check.RootCertificate))
        {
            throw new InvalidOperationException("the raw baseline must use SSL Mode=VerifyFull with a Root Certificate");
        }

        await using (var connection = await _factory.OpenConnectionAsync())
        await using (var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection))
        {
            if (await command.ExecuteScalarAsync() is not true)
            {
                throw new InvalidOperationException("the factory's connection is not TLS");
            }
        }

        await using (await _raw.OpenConnectionAsync())
        {
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        _raw.Dispose();
        _server.Dispose();
        _bed.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Raw: Clear() + open + close")]
    [BenchmarkCategory("3a first connection, cleared pool")]
    public async ValueTask Raw_ClearedPool()
    {
        _raw.Clear();
        await using var connection = await _raw.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory: DataSource.Clear() + open + close")]
    [BenchmarkCategory("3a first connection, cleared pool")]
    public async ValueTask Factory_ClearedPool()
    {
        _factory.DataSource.Clear();
        await using var connection = await _factory.OpenConnectionAsync();
    }

    [Benchmark(Baseline = true, Description = "Raw: NpgsqlDataSource.Create + open + close + dispose")]
    [BenchmarkCategory("3b first connection, fresh instance")]
    public async ValueTask Raw_FreshDataSource()
    {
        await using var dataSource = NpgsqlDataSource.Create(_rawConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
    }

    [Benchmark(Description = "Factory: FromUrl + open + close + dispose")]
    [BenchmarkCategory("3b first connection, fresh instance")]
    public async ValueTask Factory_FreshFactory()
    {
        await using var factory = ConnectionFactory.FromUrl(_url, _options);
        await using var connection = await factory.OpenConnectionAsync();
    }
}
