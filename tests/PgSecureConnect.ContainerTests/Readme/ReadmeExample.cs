using Npgsql;
using PgSecureConnect;
using Testcontainers.PostgreSql;

namespace PgSecureConnect.ContainerTests.Readme;

// README.md, "Testing your application": these lines are the README's example, compiled and run here
// (tests/PgSecureConnect.Tests/ReadmeTests.cs checks that the README shows them unchanged).

public sealed class DatabaseFixture : IAsyncLifetime
{
    // The official image, or the one named by PGSECURE_POSTGRES_IMAGE (for a CI that builds its own).
    private readonly PostgreSqlContainer _container = new PostgreSqlBuilder(
        Environment.GetEnvironmentVariable("PGSECURE_POSTGRES_IMAGE") ?? "postgres:15").Build();

    public IConnectionFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _container.StartAsync();
        // The published port is on 127.0.0.1: a local server, so the default SslPolicy does not require TLS.
        Factory = ConnectionFactory.FromUrl(_container.GetConnectionString());
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _container.DisposeAsync();
    }
}

public sealed class OrderQueryTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Opens_a_connection_to_the_container()
    {
        await using var connection = await database.Factory.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT 40 + 2", connection);
        Assert.Equal(42, await command.ExecuteScalarAsync());
    }
}
