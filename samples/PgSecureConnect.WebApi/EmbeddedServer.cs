using PgSecureConnect.Testing;

namespace PgSecureConnect.WebApi;

/// <summary>
/// A throwaway local PostgreSQL with TLS (from PgSecureConnect.Testing), started only when nothing is configured, so
/// <c>dotnet run</c> works on a machine with PostgreSQL installed and no database. The app reaches it as it would a
/// real deployment: <c>DATABASE_URL</c> with <c>sslmode=verify-full</c> and the CA that signed the certificate.
/// </summary>
internal sealed class EmbeddedServer : IAsyncDisposable
{
    private static readonly string[] Keys = ["ConnectionStrings:Default", "DATABASE_URL", "DATABASE_URL_FILE", "DB_HOST", "PGHOST", "PGSERVICE"];

    private readonly PostgresTestBed _bed;
    private readonly PostgresServer _server;

    private EmbeddedServer(PostgresTestBed bed, PostgresServer server)
    {
        _bed = bed;
        _server = server;
    }

    /// <summary>Starts the server and sets <c>DATABASE_URL</c> in <paramref name="configuration"/> when none of the usual keys is set and there is no <c>.env</c>; otherwise <see langword="null"/>.</summary>
    public static async Task<EmbeddedServer?> StartIfNothingConfiguredAsync(ConfigurationManager configuration, string contentRoot)
    {
        if (Keys.Any(k => !string.IsNullOrEmpty(configuration[k])) || File.Exists(Path.Combine(contentRoot, ".env")))
        {
            return null;
        }

        var bed = await PostgresTestBed.StartAsync();
        try
        {
            var server = await bed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly });
            var url = $"postgresql://{Uri.EscapeDataString(server.Username)}:{Uri.EscapeDataString(server.Password)}@localhost:{server.Port}/{Uri.EscapeDataString(server.Database)}" +
                      $"?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}&application_name=PgSecureConnect.WebApi";
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("DATABASE_URL", url)]);
            Console.WriteLine($"Nothing configured: started a throwaway PostgreSQL with TLS on localhost:{server.Port} (stopped and deleted on exit).");
            return new EmbeddedServer(bed, server);
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _bed.DisposeAsync();
    }
}
