using System.Diagnostics;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>
/// The one <see cref="PostgresTestBed"/> shared by every integration test (collection <see cref="TestBedCollection.Name"/>).
/// When the PostgreSQL binaries are missing, starting it throws and every test of the collection fails (never skips).
/// </summary>
public sealed class TestBedFixture : IAsyncLifetime
{
    private readonly object _gate = new();
    private PostgresTestBed? _testBed;
    private readonly Dictionary<string, Task<PostgresServer>> _namedServers = new(StringComparer.Ordinal);
    private Task<PostgresServer>? _sharedServer;

    public PostgresTestBed TestBed => _testBed ?? throw new InvalidOperationException("The test bed has not been started.");

    /// <summary>How long <see cref="PostgresTestBed.StartAsync"/> took (includes initdb of the template).</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>
    /// A plain server (TLS on, valid certificate) shared by tests that only read from it or create their own objects.
    /// Tests that stop, crash, freeze or reconfigure a server must start their own.
    /// </summary>
    public Task<PostgresServer> GetSharedServerAsync()
    {
        lock (_gate)
        {
            if (_sharedServer is null
                || _sharedServer.IsFaulted
                || _sharedServer.IsCanceled
                || (_sharedServer.IsCompletedSuccessfully && !_sharedServer.Result.IsRunning))
            {
                _sharedServer = TestBed.StartServerAsync();
            }

            return _sharedServer;
        }
    }

    /// <summary>
    /// A server started once per run under <paramref name="key"/> with the given options, for test classes that need a server
    /// of a particular kind (e.g. TLS off) and only read from it. A test that breaks a server must start its own.
    /// </summary>
    public Task<PostgresServer> GetOrStartServerAsync(string key, Func<PostgresServerOptions> options)
    {
        lock (_gate)
        {
            if (!_namedServers.TryGetValue(key, out var server)
                || server.IsFaulted
                || server.IsCanceled
                || (server.IsCompletedSuccessfully && !server.Result.IsRunning))
            {
                _namedServers[key] = server = TestBed.StartServerAsync(options());
            }

            return server;
        }
    }

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        _testBed = await PostgresTestBed.StartAsync();
        StartDuration = stopwatch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_testBed is not null)
        {
            await _testBed.DisposeAsync();
        }
    }
}
