using PgSecureConnect.Testing;

namespace PgSecureConnect.Sample;

/// <summary>
/// A throwaway local PostgreSQL with TLS (from PgSecureConnect.Testing), used when nothing is configured. The sample
/// reaches it exactly as it would reach a real deployment: a DATABASE_URL with sslmode=verify-full and the CA that
/// signed the server's certificate. Disposing it (or the process exiting) stops the server and deletes its files.
/// </summary>
internal sealed class EmbeddedServer : IAsyncDisposable
{
    private readonly PostgresTestBed _bed;
    private readonly PostgresServer _server;

    private EmbeddedServer(PostgresTestBed bed, PostgresServer server)
    {
        _bed = bed;
        _server = server;
    }

    /// <summary>
    /// The URL an operator would put in DATABASE_URL. <c>localhost</c> is one of the names in the server certificate,
    /// so verify-full checks both the chain (against the test bed's CA) and the host name.
    /// </summary>
    public string DatabaseUrl => BuildUrl(_bed, [_server]);

    /// <summary>Starts a test bed and one server that accepts only TLS connections (hostssl), like a production server should.</summary>
    /// <exception cref="PostgresNotFoundException">The PostgreSQL server binaries are not installed.</exception>
    public static async Task<EmbeddedServer> StartAsync(CancellationToken cancellationToken)
    {
        var bed = await PostgresTestBed.StartAsync(cancellationToken);
        try
        {
            var server = await bed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly }, cancellationToken);
            return new EmbeddedServer(bed, server);
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A factory created the way the environment would create it: from a DATABASE_URL variable (here given in code,
    /// so the process environment stays untouched).
    /// </summary>
    public IConnectionFactory CreateFactory(ConnectionFactoryOptions options)
        => ConnectionFactory.FromVariables(new Dictionary<string, string?> { ["DATABASE_URL"] = DatabaseUrl }, options);

    /// <summary>
    /// <c>postgresql://user:password@host:port[,host:port...]/db?sslmode=verify-full&amp;sslrootcert=CA</c> for the given
    /// servers of <paramref name="bed"/>, with the user and password percent-encoded.
    /// </summary>
    public static string BuildUrl(PostgresTestBed bed, IReadOnlyList<PostgresServer> servers, string host = "localhost")
    {
        var first = servers[0];
        var hosts = string.Join(',', servers.Select(s => $"{host}:{s.Port}"));
        return $"postgresql://{Uri.EscapeDataString(first.Username)}:{Uri.EscapeDataString(first.Password)}@{hosts}/{Uri.EscapeDataString(first.Database)}" +
               $"?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}";
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _bed.DisposeAsync();
    }
}
