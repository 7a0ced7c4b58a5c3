using PgSecureConnect.ContainerTests.Infrastructure;

namespace PgSecureConnect.ContainerTests.Connecting;

/// <summary><c>pgbouncer=true</c> against PgBouncer in transaction mode, in a container of its own.</summary>
public sealed class ContainerPgBouncerTests(PgBouncerFixture fixture) : IClassFixture<PgBouncerFixture>
{
    [Fact]
    public async Task Transactions_through_a_containerized_pgbouncer_share_its_few_server_connections()
    {
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{Containers.Username}:{Uri.EscapeDataString(Containers.Password)}@127.0.0.1:{fixture.Port}/{Containers.Database}?pgbouncer=true");
        var backendPids = new HashSet<int>();

        for (var i = 0; i < 20; i++)
        {
            await using var connection = await factory.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            (await Containers.ScalarAsync<string>(connection, "SELECT host(inet_server_addr())")).Should().Be(fixture.Backend.IpAddress, "PgBouncer forwards to the backend container's bridge address");
            backendPids.Add(await Containers.ScalarAsync<int>(connection, "SELECT pg_backend_pid()"));
            await transaction.CommitAsync();
        }

        factory.Settings.PgBouncer.Should().BeTrue();
        factory.Settings.ToNpgsqlConnectionStringBuilder().NoResetOnClose.Should().BeTrue();
        factory.Settings.ToNpgsqlConnectionStringBuilder().MaxAutoPrepare.Should().Be(0);
        backendPids.Count.Should().BeInRange(1, PgBouncerFixture.PoolSize, "20 transactions ran on PgBouncer's pool of server connections");
    }
}
