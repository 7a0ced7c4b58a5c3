using System.Diagnostics;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

[Collection(TestBedCollection.Name)]
public sealed class PgBouncerTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Queries_go_through_pgbouncer_to_the_backend()
    {
        var backend = await fixture.GetSharedServerAsync();
        var stopwatch = Stopwatch.StartNew();
        await using var bouncer = await fixture.TestBed.StartPgBouncerAsync(backend);
        output.WriteLine($"{bouncer} started in {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        bouncer.Port.Should().NotBe(backend.Port);
        bouncer.ProcessId.Should().NotBeNull();
        var builder = new NpgsqlConnectionStringBuilder(bouncer.ConnectionString);
        builder.ApplicationName = "through-the-bouncer";
        await using var connection = await Connect.OpenAsync(builder);

        // The client talks to the bouncer's port; the session it runs in is on the real server's port.
        (await Connect.ScalarAsync<int>(connection, "SELECT inet_server_port()")).Should().Be(backend.Port);
        (await Connect.ScalarAsync<string>(connection, "SELECT current_database()")).Should().Be(backend.Database);
        var clientAddressSeenByServer = await Connect.ScalarAsync<string>(connection, "SELECT host(inet_client_addr())");
        clientAddressSeenByServer.Should().Be(bouncer.Host);
        (await backend.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'through-the-bouncer'"))
            .Should().BeGreaterThanOrEqualTo(1);

        new Uri(bouncer.Url).Port.Should().Be(bouncer.Port);
    }

    [Fact]
    public async Task Transaction_pooling_shares_one_server_connection_between_clients()
    {
        var backend = await fixture.GetSharedServerAsync();
        await using var bouncer = await fixture.TestBed.StartPgBouncerAsync(backend, new PgBouncerOptions { PoolSize = 1 });
        await using var first = await Connect.OpenAsync(new NpgsqlConnectionStringBuilder(bouncer.ConnectionString));
        await using var second = await Connect.OpenAsync(new NpgsqlConnectionStringBuilder(bouncer.ConnectionString));

        var firstBackend = await Connect.ScalarAsync<int>(first, "SELECT pg_backend_pid()");
        var secondBackend = await Connect.ScalarAsync<int>(second, "SELECT pg_backend_pid()");

        // Two client connections open at the same time, one server session: only a transaction-pooling proxy does that.
        secondBackend.Should().Be(firstBackend);
    }

    [Fact]
    public void Missing_pgbouncer_is_reported_with_how_to_install_it()
    {
        var find = () => PgBouncerServer.FindExecutable(["/nonexistent/sbin", "/nonexistent/bin"]);

        find.Should().Throw<PostgresTestBedException>()
            .WithMessage("*not installed*/nonexistent/sbin*apt-get install pgbouncer*");
    }

    [Fact]
    public async Task Pgbouncer_offers_tls_to_clients_when_asked()
    {
        var backend = await fixture.GetSharedServerAsync();
        await using var bouncer = await fixture.TestBed.StartPgBouncerAsync(backend, new PgBouncerOptions { ClientTls = true });
        var builder = new NpgsqlConnectionStringBuilder(bouncer.ConnectionString)
        {
            SslMode = SslMode.VerifyFull,
            RootCertificate = fixture.TestBed.Certificates.CaCertificatePath,
        };

        (await Connect.QueryAsync<int>(builder, "SELECT 1")).Should().Be(1);
    }
}
