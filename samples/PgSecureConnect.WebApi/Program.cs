// PgSecureConnect web sample: a minimal ASP.NET Core API on PgSecureConnect.Hosting. See README.md beside this file.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using NpgsqlTypes;
using PgSecureConnect;
using PgSecureConnect.WebApi;

var builder = WebApplication.CreateBuilder(args);

// 1. Nothing configured (ConnectionStrings:Default, DATABASE_URL, DB_HOST, PGHOST, a .env file)? Start a throwaway
//    PostgreSQL with TLS and point DATABASE_URL at it, with sslmode=verify-full, as an operator would.
await using var embedded = await EmbeddedServer.StartIfNothingConfiguredAsync(builder.Configuration, builder.Environment.ContentRootPath);

// 2. The one line: IConnectionFactory, NpgsqlDataSource and DbDataSource singletons, the health check
//    "PgSecureConnect", tracing and metrics. Bad settings stop the app at start, listing every problem.
builder.AddPgSecureConnect();
builder.Services.AddHostedService<OrdersTable>();

var app = builder.Build();

// 3. A parameterized query on a connection from the factory (retry and failover included). /orders?customer=ada
app.MapGet("/orders", async (IConnectionFactory database, string? customer, CancellationToken cancellationToken) =>
{
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var command = new NpgsqlCommand("SELECT id, customer, total FROM orders WHERE $1::text IS NULL OR customer = $1 ORDER BY id", connection);
    command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)customer ?? DBNull.Value });
    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
    var orders = new List<Order>();
    while (await reader.ReadAsync(cancellationToken))
    {
        orders.Add(new Order(reader.GetInt32(0), reader.GetString(1), reader.GetDecimal(2)));
    }

    return orders;
});

// 4. Health: every server's reachability, role, round trip, TLS and certificate expiry as JSON (503 when Unhealthy).
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthJson.WriteAsync });

app.Run();

/// <summary>The sample's program; public for WebApplicationFactory in the tests.</summary>
public partial class Program;
