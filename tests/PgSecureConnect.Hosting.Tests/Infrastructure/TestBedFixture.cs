using PgSecureConnect.Testing;

namespace PgSecureConnect.Hosting.Tests.Infrastructure;

/// <summary>
/// One <see cref="PostgresTestBed"/> for every test of the collection <see cref="TestBedCollection.Name"/>, with a
/// shared TLS server (valid certificate) for tests that only read or create their own objects. When the PostgreSQL
/// binaries are missing, starting it throws and the tests fail (never skip).
/// </summary>
public sealed class TestBedFixture : IAsyncLifetime
{
    private PostgresTestBed? _testBed;
    private readonly Dictionary<string, Task<PostgresServer>> _servers = new(StringComparer.Ordinal);

    public PostgresTestBed TestBed => _testBed ?? throw new InvalidOperationException("The test bed has not been started.");

    /// <summary>A server started once per run under <paramref name="key"/>; tests that stop or break a server start their own.</summary>
    public Task<PostgresServer> ServerAsync(string key = "shared", ServerCertificateKind certificate = ServerCertificateKind.Valid)
    {
        lock (_servers)
        {
            if (!_servers.TryGetValue(key, out var server) || server.IsFaulted || server.IsCanceled)
            {
                _servers[key] = server = TestBed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly, Certificate = certificate });
            }

            return server;
        }
    }

    /// <summary><c>postgresql://user:password@localhost:port/db?sslmode=verify-full&amp;sslrootcert=CA</c>, plus <paramref name="query"/>.</summary>
    public string Url(PostgresServer server, string query = "", string? hosts = null)
        => $"postgresql://{Uri.EscapeDataString(server.Username)}:{Uri.EscapeDataString(server.Password)}@{hosts ?? $"localhost:{server.Port}"}/{Uri.EscapeDataString(server.Database)}" +
           $"?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(TestBed.Certificates.CaCertificatePath)}{(query.Length > 0 ? "&" + query : string.Empty)}";

    public async Task InitializeAsync() => _testBed = await PostgresTestBed.StartAsync();

    public async Task DisposeAsync()
    {
        if (_testBed is not null)
        {
            await _testBed.DisposeAsync();
        }
    }
}
