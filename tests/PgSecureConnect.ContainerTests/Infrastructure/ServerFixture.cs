using System.Net;
using DotNet.Testcontainers.Configurations;
using Npgsql;
using Testcontainers.PostgreSql;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>
/// Two PostgreSQL containers with TLS on, shared by the tests of <see cref="ServerCollection"/>:
/// <see cref="Plain"/> keeps the certificate mounted at creation, issued for <c>localhost</c> and 127.0.0.1 only, so at
/// its bridge address the name does not match; <see cref="Tls"/> gets, once started, a certificate that also names its
/// bridge address (known only then), loaded with <c>pg_reload_conf()</c>.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime, IDisposable
{
    private readonly CertificateAuthority _authority = new();

    public PostgreSqlContainer Plain { get; private set; } = null!;

    public PostgreSqlContainer Tls { get; private set; } = null!;

    /// <summary>The CA that signed both servers' certificates (a file path, for <c>sslrootcert</c>).</summary>
    public string CaCertificatePath => _authority.CaCertificatePath;

    /// <summary>How long the two containers took to start, together (image, initdb, readiness).</summary>
    public TimeSpan StartupTime { get; private set; }

    public async Task InitializeAsync()
    {
        var (loopbackCertificate, loopbackKey) = _authority.WriteServerCertificate("loopback", "localhost", IPAddress.Loopback);
        Plain = Containers.Build(() => Containers.Postgres().WithSsl(loopbackCertificate, loopbackKey).Build());
        Tls = Containers.Build(() => Containers.Postgres().WithSsl(loopbackCertificate, loopbackKey).Build());
        StartupTime = await Containers.StartAsync(Plain, Tls);

        var address = IPAddress.Parse(Tls.IpAddress);
        var (certificate, key) = _authority.IssueServerCertificate("localhost", IPAddress.Loopback, address);
        const UnixFileModes OwnerOnly = UnixFileModes.UserRead | UnixFileModes.UserWrite;
        await Tls.CopyAsync(System.Text.Encoding.ASCII.GetBytes(certificate), "/var/run/postgresql/ssl/server.crt", PostgresUid, PostgresUid, OwnerOnly);
        await Tls.CopyAsync(System.Text.Encoding.ASCII.GetBytes(key), "/var/run/postgresql/ssl/server.key", PostgresUid, PostgresUid, OwnerOnly);
        await Containers.QueryAsync<bool>(Containers.AdminConnectionString(Tls), "SELECT pg_reload_conf()");

        // The postmaster reloads asynchronously: wait until a verify-full connection at the bridge address works.
        var verifyFull = new NpgsqlConnectionStringBuilder(Containers.AdminConnectionString(Tls))
        {
            Host = Tls.IpAddress,
            Port = PostgreSqlBuilder.PostgreSqlPort,
            SslMode = SslMode.VerifyFull,
            RootCertificate = CaCertificatePath,
        }.ConnectionString;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Containers.QueryAsync<int>(verifyFull, "SELECT 1");
                return;
            }
            catch (NpgsqlException) when (attempt < 50)
            {
                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Dispose(Plain), Dispose(Tls));

        static Task Dispose(PostgreSqlContainer? container) => container?.DisposeAsync().AsTask() ?? Task.CompletedTask;
    }

    public void Dispose() => _authority.Dispose();

    /// <summary>The <c>postgres</c> user of the official image (and of the local one, which copies it).</summary>
    private const uint PostgresUid = 999;
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "PostgreSQL containers with TLS";
}
