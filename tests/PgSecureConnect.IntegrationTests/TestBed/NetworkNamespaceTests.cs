using System.Diagnostics;
using System.Net;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

[Collection(TestBedCollection.Name)]
public sealed class NetworkNamespaceTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Server_in_a_namespace_is_reachable_at_a_non_loopback_address_with_verify_full()
    {
        var stopwatch = Stopwatch.StartNew();
        await using var host = await fixture.TestBed.CreateNetworkNamespaceHostAsync();
        output.WriteLine($"Namespace {host} created in {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        stopwatch.Restart();
        await using var server = await fixture.TestBed.StartServerAsync(new PostgresServerOptions { NetworkNamespace = host });
        output.WriteLine($"Server {server} started in the namespace in {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        var address = IPAddress.Parse(host.Address);
        IPAddress.IsLoopback(address).Should().BeFalse();
        server.Host.Should().Be(host.Address);

        var builder = Connect.To(server, SslMode.VerifyFull, fixture.TestBed.Certificates.CaCertificatePath);
        await using var connection = await Connect.OpenAsync(builder);
        (await Connect.ScalarAsync<bool>(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().BeTrue();
        (await Connect.ScalarAsync<string>(connection, "SELECT host(inet_server_addr())")).Should().Be(host.Address);
        var client = IPAddress.Parse((await Connect.ScalarAsync<string>(connection, "SELECT host(inet_client_addr())"))!);
        IPAddress.IsLoopback(client).Should().BeFalse("the client comes in over the veth pair");

        // The server really lives in the namespace: this process's loopback does not have it.
        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To("127.0.0.1", server.Port, server)));
        exception.Should().BeAssignableTo<NpgsqlException>();

        // Admin queries (Unix socket) work across the namespace boundary too.
        (await server.ExecuteScalarAsync<int>("SELECT 1")).Should().Be(1);
    }

    [Fact]
    public async Task Disposing_the_namespace_deletes_it()
    {
        var host = await fixture.TestBed.CreateNetworkNamespaceHostAsync();
        (await IpNetnsList()).Should().Contain(host.Name);

        await host.DisposeAsync();

        (await IpNetnsList()).Should().NotContain(host.Name);
    }

    private static async Task<string> IpNetnsList()
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, ArgumentList = { "netns", "list" } };
        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }
}
