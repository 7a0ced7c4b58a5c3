using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks;

/// <summary>
/// URLs and Npgsql settings for test-bed servers, so that the factory and raw Npgsql are always built from the same
/// settings: the raw side uses <see cref="ConnectionSettings.ToNpgsqlConnectionStringBuilder"/> of the factory's own
/// effective settings.
/// </summary>
internal static class BenchServer
{
    /// <summary>Server settings for every benchmark server: room for two pools of 20 plus rounds of churn.</summary>
    public static PostgresServerOptions Options()
    {
        var options = new PostgresServerOptions { Tls = ServerTlsMode.On };
        options.Settings["max_connections"] = "300";
        return options;
    }

    /// <summary>
    /// <c>postgresql://user:password@h1:p1,h2:p2/db?sslmode=verify-full&amp;sslrootcert=CA</c> (plus <paramref name="extraQuery"/>).
    /// The test bed's certificates name <c>localhost</c>, 127.0.0.1 and ::1, so verify-full holds over loopback.
    /// </summary>
    public static string Url(PostgresTestBed bed, PostgresServer credentials, IEnumerable<(string Host, int Port)> hosts, string extraQuery = "")
    {
        var hostList = string.Join(',', hosts.Select(h => $"{h.Host}:{h.Port}"));
        var query = $"sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}";
        if (extraQuery.Length > 0)
        {
            query += "&" + extraQuery;
        }

        return $"postgresql://{Uri.EscapeDataString(credentials.Username)}:{Uri.EscapeDataString(credentials.Password)}@{hostList}/{Uri.EscapeDataString(credentials.Database)}?{query}";
    }

    public static string Url(PostgresTestBed bed, PostgresServer server, string extraQuery = "")
        => Url(bed, server, [(server.Host, server.Port)], extraQuery);

    /// <summary>The raw Npgsql connection string equivalent to a factory: from the factory's effective settings.</summary>
    public static string RawConnectionString(IConnectionFactory factory) => factory.Settings.ToNpgsqlConnectionStringBuilder().ConnectionString;

    /// <summary>A raw single-host data source from the same settings as <paramref name="factory"/>.</summary>
    public static NpgsqlDataSource RawSingleHost(IConnectionFactory factory) => NpgsqlDataSource.Create(RawConnectionString(factory));

    /// <summary>A raw Npgsql multi-host data source (Npgsql's own failover) from the same settings as <paramref name="factory"/>.</summary>
    public static NpgsqlMultiHostDataSource RawMultiHost(IConnectionFactory factory)
        => new NpgsqlDataSourceBuilder(RawConnectionString(factory)).BuildMultiHost();
}
