namespace PgSecureConnect.WebApi;

/// <summary>Creates and fills the sample's <c>orders</c> table at start (after PgSecureConnect has checked its settings).</summary>
internal sealed class OrdersTable(IConnectionFactory database) : IHostedService
{
    private const string Sql = """
        SELECT pg_advisory_xact_lock(4711);
        CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10, 2) NOT NULL);
        INSERT INTO orders (customer, total) SELECT * FROM (VALUES ('ada', 42.50), ('grace', 17.00), ('ada', 8.25)) AS v
            WHERE NOT EXISTS (SELECT 1 FROM orders);
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(Sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
