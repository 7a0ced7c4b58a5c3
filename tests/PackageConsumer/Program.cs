// Uses PgSecureConnect, PgSecureConnect.Hosting and PgSecureConnect.Testing as a package user would: a throwaway TLS
// server, a factory from a URL with sslmode=verify-full, a real connection; then a host with builder.AddPgSecureConnect()
// and its health check. Prints two lines; exit code 0 only if everything checked out.
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PgSecureConnect;
using PgSecureConnect.Hosting;
using PgSecureConnect.Testing;

try
{
    var expected = Assembly.GetEntryAssembly()!.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ExpectedPgSecureConnectVersion").Value!;
    var library = VersionOf(typeof(ConnectionFactory).Assembly);
    var testing = VersionOf(typeof(PostgresTestBed).Assembly);
    var hosting = VersionOf(typeof(PgSecureConnectHostingOptions).Assembly);
    if (library != expected || testing != expected || hosting != expected)
    {
        throw new InvalidOperationException($"loaded PgSecureConnect {library}, PgSecureConnect.Hosting {hosting} and PgSecureConnect.Testing {testing}, expected {expected}");
    }

    await using var bed = await PostgresTestBed.StartAsync();
    await using var server = await bed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly });
    var url = $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}";
    await using var factory = ConnectionFactory.FromUrl(url);
    await using var connection = await factory.OpenConnectionAsync();
    await using var command = new NpgsqlCommand("SELECT 1, s.ssl, s.version, s.cipher FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()", connection);
    await using var reader = await command.ExecuteReaderAsync();
    if (!await reader.ReadAsync() || reader.GetInt32(0) != 1 || !reader.GetBoolean(1))
    {
        throw new InvalidOperationException("SELECT 1 did not return 1 over a TLS connection");
    }

    Console.WriteLine($"OK: PgSecureConnect {expected} and PgSecureConnect.Testing {testing} from packages: SELECT 1 on {factory.Settings.Servers[0]} " +
                      $"over {reader.GetString(2)} ({reader.GetString(3)}), sslmode={factory.Settings.SslMode}");

    var builder = Host.CreateApplicationBuilder();
    builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("DATABASE_URL", url)]);
    builder.AddPgSecureConnect();
    using var host = builder.Build();
    await host.StartAsync();
    await using (var hosted = await host.Services.GetRequiredService<IConnectionFactory>().OpenConnectionAsync())
    {
        await using var select = new NpgsqlCommand("SELECT 1", hosted);
        if (await select.ExecuteScalarAsync() is not 1)
        {
            throw new InvalidOperationException("SELECT 1 through the hosted factory did not return 1");
        }
    }

    var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    if (health.Status != HealthStatus.Healthy)
    {
        throw new InvalidOperationException($"the health check is {health.Status}: {health.Entries["PgSecureConnect"].Description}");
    }

    Console.WriteLine($"OK: PgSecureConnect.Hosting {hosting}: builder.AddPgSecureConnect(), SELECT 1, health {health.Entries["PgSecureConnect"].Description}");
    await host.StopAsync();
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"FAILED: {e.GetType().Name}: {e.Message}");
    return 1;
}

// The package version, from the informational version "0.1.0-ci.1+<commit>" without the commit.
static string VersionOf(Assembly assembly)
    => assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
