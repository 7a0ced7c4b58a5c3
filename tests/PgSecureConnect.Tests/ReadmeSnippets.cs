using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect;
using PgSecureConnect.Testing;

// The code blocks of README.md, compiled. ReadmeTests checks that every block appears here verbatim.
#pragma warning disable CA1050, CA1711, CS1591

namespace PgSecureConnect.Tests.Readme;

public static class HostingFirstScreen
{
    public static void Run(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddPgSecureConnect();     // DATABASE_URL or ConnectionStrings:Default; bad settings stop the app at start
        var app = builder.Build();
        app.MapHealthChecks("/health");   // every server: reachable, role, TLS, days until its certificate expires
        app.MapGet("/orders/{id}", async (IConnectionFactory db, int id) =>
        {
            await using var connection = await db.OpenConnectionAsync();   // pooled, verified TLS, retried with failover
            return await new NpgsqlCommand("SELECT total FROM orders WHERE id = $1", connection) { Parameters = { new() { Value = id } } }.ExecuteScalarAsync();
        });
        app.Run();
    }
}

public static class FirstScreen
{
    public static async Task RunAsync()
    {
        // DATABASE_URL=postgresql://app:secret@db.example.com:5432/orders?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem
        await using var factory = ConnectionFactory.FromEnvironment();     // .env in the current directory, then the environment
        await using var connection = await factory.OpenConnectionAsync();  // pooled, encrypted, retried with failover
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orders WHERE customer_id = $1";
        command.Parameters.AddWithValue(42);
        Console.WriteLine(await command.ExecuteScalarAsync());
    }
}

public static class DatabaseRegistration
{
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IConnectionFactory>(_ => ConnectionFactory.FromConfiguration(configuration));
        services.AddSingleton<NpgsqlDataSource>(provider => provider.GetRequiredService<IConnectionFactory>().DataSource);
        return services;
    }
}

public static class OrdersDatabase
{
    public static IConnectionFactory Create(ILoggerFactory loggerFactory) => ConnectionFactory.FromEnvironment(new ConnectionFactoryOptions
    {
        VariablePrefix = "ORDERS_",
        SslPolicy = SslPolicy.VerifyFull,
        Retry = new RetryPolicy { OverallTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(3) },
        LoggerFactory = loggerFactory,
        ConfigureDataSource = builder => builder.ConnectionStringBuilder.CommandTimeout = 60,
    });
}

public static class LowLatencyFailover
{
    // Servers in one data centre answer within milliseconds: race sooner.
    public static ConnectionFactoryOptions Options() => new()
    {
        Retry = new RetryPolicy { AttemptDelay = TimeSpan.FromMilliseconds(100) },
    };
}

public static class TestBedExample
{
    public static async Task<int> RunAsync()
    {
        await using var bed = await PostgresTestBed.StartAsync();
        await using var server = await bed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly });
        var url = $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(bed.Certificates.CaCertificatePath)}";
        await using var factory = ConnectionFactory.FromUrl(url);
        await using var connection = await factory.OpenConnectionAsync();
        return connection.ProcessID;
    }
}

public static class UnitsOfWorkExamples
{
    public static async Task ReadmeAsync(IConnectionFactory db)
    {
        var id = Guid.NewGuid(); // the same key in every try
        await db.ExecuteInTransactionAsync((c, tx, ct) => new NpgsqlCommand("INSERT INTO orders (id) VALUES ($1)", c, tx) { Parameters = { new() { Value = id } } }.ExecuteNonQueryAsync(ct),
            verifySucceeded: async (c, ct) => await new NpgsqlCommand("SELECT count(*) FROM orders WHERE id = $1", c) { Parameters = { new() { Value = id } } }.ExecuteScalarAsync(ct) is 1L);
    }

    public static async Task<decimal> IdempotentAsync(IConnectionFactory db)
    {
        var total = await db.ExecuteAsync(async (connection, cancellationToken) =>
        {
            await using var command = new NpgsqlCommand("SELECT sum(total) FROM orders", connection);
            return await command.ExecuteScalarAsync(cancellationToken) is decimal sum ? sum : 0m;
        });
        return total;
    }

    public static async Task VerifiableAsync(IConnectionFactory db)
    {
        var orderId = Guid.NewGuid(); // generated once, before the unit: every try inserts the same key
        await db.ExecuteInTransactionAsync(
            async (connection, transaction, cancellationToken) =>
            {
                await using var insert = new NpgsqlCommand("INSERT INTO orders (id, total) VALUES ($1, $2)", connection, transaction)
                {
                    Parameters = { new() { Value = orderId }, new() { Value = 42.50m } },
                };
                await insert.ExecuteNonQueryAsync(cancellationToken);
            },
            verifySucceeded: async (connection, cancellationToken) =>
            {
                await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)", connection)
                {
                    Parameters = { new() { Value = orderId } },
                };
                return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
            });
    }
}
