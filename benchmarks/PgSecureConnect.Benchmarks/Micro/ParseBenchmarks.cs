using BenchmarkDotNet.Attributes;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Micro;

/// <summary>
/// Item 2: cold start. No network I/O happens in any of these.
/// <list type="bullet">
/// <item>2a parse: <see cref="ConnectionSettings.FromUrl"/> of a typical <c>DATABASE_URL</c> against
/// <c>new NpgsqlConnectionStringBuilder(s)</c>, where <c>s</c> is the equivalent Npgsql connection string produced by
/// <see cref="ConnectionSettings.ToNpgsqlConnectionStringBuilder"/> of the same parsed settings (baseline), and against
/// the shorter string a developer would write by hand for the same server.</item>
/// <item>2b create: <see cref="ConnectionFactory.FromUrl"/> + dispose (parse, policy, root certificate file read, data
/// source built) against <c>NpgsqlDataSource.Create(s)</c> + dispose.</item>
/// <item>2c environment: <see cref="ConnectionFactory.FromEnvironment(ConnectionFactoryOptions?)"/> with a temporary
/// <c>.env</c> holding <c>DATABASE_URL</c> (+ dispose) against what an application does by hand: read its own
/// <c>.env</c> holding the equivalent Npgsql string, let a real environment variable win, then
/// <c>NpgsqlDataSource.Create</c> + dispose.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const string RawVariable = "PGSECURE_BENCH_CONNECTION_STRING";
    private PostgresTestBed _bed = null!;
    private string _url = null!;
    private string _equivalent = null!;
    private string _handWritten = null!;
    private string _envDirectory = null!;
    private string _envPath = null!;
    private string _rawEnvPath = null!;
    private ConnectionFactoryOptions _envOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The test bed only provides the CA file that sslrootcert points at (the factory reads it when created).
        _bed = PostgresTestBed.StartAsync().GetAwaiter().GetResult();
        var ca = _bed.Certificates.CaCertificatePath;
        _url = $"postgresql://app:s3cretPassw0rd@db.example.com:5432/orders?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(ca)}&application_name=orders-api&connect_timeout=5";
        _equivalent = ConnectionSettings.FromUrl(_url).ToNpgsqlConnectionStringBuilder().ConnectionString;
        _handWritten = $"Host=db.example.com;Port=5432;Database=orders;Username=app;Password=s3cretPassw0rd;SSL Mode=VerifyFull;Root Certificate={ca};Application Name=orders-api;Timeout=5";

        foreach (var name in new[] { "DATABASE_URL", "DATABASE_URL_FILE", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "PGHOST", RawVariable })
        {
            if (Environment.GetEnvironmentVariable(name) is not null)
            {
                throw new InvalidOperationException($"{name} is set in the environment; unset it for the FromEnvironment benchmark");
            }
        }

        _envDirectory = Directory.CreateTempSubdirectory("pgsecure-bench-env-").FullName;
        _envPath = Path.Combine(_envDirectory, ".env");
        File.WriteAllText(_envPath, $"# benchmark\nAPP_NAME=orders-api\nDATABASE_URL='{_url}'\nLOG_LEVEL=info\n");
        _rawEnvPath = Path.Combine(_envDirectory, "raw.env");
        File.WriteAllText(_rawEnvPath, $"# benchmark\nAPP_NAME=orders-api\n{RawVariable}=\"{_equivalent}\"\nLOG_LEVEL=info\n");
        _envOptions = new ConnectionFactoryOptions { EnvFilePath = _envPath };

        // Sanity: the three inputs describe the same server.
        using var fromEnvironment = ConnectionFactory.FromEnvironment(_envOptions);
        if (fromEnvironment.Settings.Servers[0].Host != "db.example.com" || new NpgsqlConnectionStringBuilder(RawFromEnvFile()).Host != "db.example.com")
        {
            throw new InvalidOperationException("the .env files do not describe the benchmark server");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Directory.Delete(_envDirectory, recursive: true);
        _bed.Dispose();
    }

    [Benchmark(Baseline = true, Description = "new NpgsqlConnectionStringBuilder(equivalent string)")]
    [BenchmarkCategory("2a parse")]
    public NpgsqlConnectionStringBuilder Raw_Parse_Equivalent() => new(_equivalent);

    [Benchmark(Description = "new NpgsqlConnectionStringBuilder(hand-written string)")]
    [BenchmarkCategory("2a parse")]
    public NpgsqlConnectionStringBuilder Raw_Parse_HandWritten() => new(_handWritten);

    [Benchmark(Description = "ConnectionSettings.FromUrl(url)")]
    [BenchmarkCategory("2a parse")]
    public ConnectionSettings Settings_FromUrl() => ConnectionSettings.FromUrl(_url);

    [Benchmark(Baseline = true, Description = "NpgsqlDataSource.Create(equivalent string) + Dispose")]
    [BenchmarkCategory("2b create")]
    public void Raw_CreateDataSource()
    {
        using var dataSource = NpgsqlDataSource.Create(_equivalent);
    }

    [Benchmark(Description = "ConnectionFactory.FromUrl(url) + Dispose")]
    [BenchmarkCategory("2b create")]
    public void Factory_FromUrl()
    {
        using var factory = ConnectionFactory.FromUrl(_url);
    }

    [Benchmark(Baseline = true, Description = "read own .env line, env var wins, NpgsqlDataSource.Create + Dispose")]
    [BenchmarkCategory("2c environment")]
    public void Raw_FromEnvFile()
    {
        using var dataSource = NpgsqlDataSource.Create(RawFromEnvFile());
    }

    [Benchmark(Description = "ConnectionFactory.FromEnvironment(.env) + Dispose")]
    [BenchmarkCategory("2c environment")]
    public void Factory_FromEnvironment()
    {
        using var factory = ConnectionFactory.FromEnvironment(_envOptions);
    }

    private string RawFromEnvFile()
    {
        if (Environment.GetEnvironmentVariable(RawVariable) is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        const string prefix = RawVariable + "=";
        foreach (var line in File.ReadLines(_rawEnvPath))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Trim('"');
            }
        }

        throw new InvalidOperationException($"{RawVariable} not found in {_rawEnvPath}");
    }
}
