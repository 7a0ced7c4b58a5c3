using System.Diagnostics;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>
/// The one <see cref="PostgresTestBed"/> shared by every integration test (collection <see cref="TestBedCollection.Name"/>).
/// When the PostgreSQL binaries are missing, starting it throws and every test of the collection fails (never skips).
/// </summary>
public sealed class TestBedFixture : IAsyncLifetime
{
    private readonly object gate = new();
    private PostgresTestBed? testBed;
    private readonly Dictionary<string, Task<PostgresServer>> namedServers = new(StringComparer.Ordinal);
    private Task<PostgresServer>? sharedServer;

    public PostgresTestBed TestBed => testBed ?? throw new InvalidOperationException("The test bed has not been started.");

    /// <summary>How long <see cref="PostgresTestBed.StartAsync"/> took (includes initdb of the template).</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>
    /// A plain server (TLS on, valid certificate) shared by tests that only read from it or create their own objects.
    /// Tests that stop, crash, freeze or reconfigure a server must start their own.
    /// </summary>
    public Task<PostgresServer> GetSharedServerAsync()
    {
        lock (gate)
        {
            if (sharedServer is null
                || sharedServer.IsFaulted
                || sharedServer.IsCanceled
                || (sharedServer.IsCompletedSuccessfully && !sharedServer.Result.IsRunning))
            {
                sharedServer = TestBed.StartServerAsync();
            }

            return sharedServer;
        }
    }

    /// <summary>
    /// A server started once per run under <paramref name="key"/> with the given options, for test classes that need a server
    /// of a particular kind (e.g. TLS off) and only read from it. A test that breaks a server must start its own.
    /// </summary>
    public Task<PostgresServer> GetOrStartServerAsync(string key, Func<PostgresServerOptions> options)
    {
        lock (gate)
        {
            if (!namedServers.TryGetValue(key, out var server)
                || server.IsFaulted
                || server.IsCanceled
                || (server.IsCompletedSuccessfully && !server.Result.IsRunning))
            {
                namedServers[key] = server = TestBed.StartServerAsync(options());
            }

            return server;
        }
    }

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        testBed = await PostgresTestBed.StartAsync();
        StartDuration = stopwatch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (testBed is not null)
        {
            await testBed.DisposeAsync();
        }
    }
}
