using System.Data.Common;
using Dapper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PgSecureConnect.Hosting.Tests.Infrastructure;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>EF Core and Dapper running real queries through what AddPgSecureConnect registered.</summary>
[Collection(TestBedCollection.Name)]
public sealed class DataAccessTests(TestBedFixture fixture)
{
    public sealed class Shipment
    {
        public int Id { get; set; }

        public required string Customer { get; set; }

        public decimal Total { get; set; }
    }

    public sealed class ShippingContext(DbContextOptions<ShippingContext> options) : DbContext(options)
    {
        public DbSet<Shipment> Shipments => Set<Shipment>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<Shipment>().ToTable("hosting_shipments").Property(s => s.Id).HasColumnName("id");
    }

    [Fact]
    public async Task EF_Core_with_UseNpgsql_of_the_registered_data_source_queries_over_verified_TLS()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server, "application_name=hosting-ef") });
        test.Builder.AddPgSecureConnect();
        test.Builder.Services.AddDbContext<ShippingContext>((sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        using var host = test.Builder.Build();
        await host.StartAsync();

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ShippingContext>();
            await context.Database.ExecuteSqlRawAsync(
                "CREATE TABLE IF NOT EXISTS hosting_shipments (id serial PRIMARY KEY, \"Customer\" text NOT NULL, \"Total\" numeric NOT NULL); TRUNCATE hosting_shipments");
            context.Shipments.AddRange(new Shipment { Customer = "ada", Total = 10.5m }, new Shipment { Customer = "grace", Total = 2m }, new Shipment { Customer = "ada", Total = 1m });
            await context.SaveChangesAsync();
        }

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ShippingContext>();
            var customer = "ada";
            (await context.Shipments.Where(s => s.Customer == customer).SumAsync(s => s.Total)).Should().Be(11.5m);
            (await context.Database.SqlQueryRaw<bool>("SELECT ssl AS \"Value\" FROM pg_stat_ssl WHERE pid = pg_backend_pid()").SingleAsync()).Should().BeTrue();
            (await context.Database.SqlQueryRaw<string>("SELECT current_setting('application_name') AS \"Value\"").SingleAsync()).Should().Be("hosting-ef");
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task Dapper_queries_on_a_factory_connection_and_on_the_registered_DbDataSource()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["ConnectionStrings:reports"] = fixture.Url(server) });
        test.Builder.AddKeyedPgSecureConnect("reports");
        using var host = test.Builder.Build();
        await host.StartAsync();

        var factory = host.Services.GetRequiredKeyedService<IConnectionFactory>("reports");
        await using (var connection = await factory.OpenConnectionAsync())
        {
            var rows = (await connection.QueryAsync<(int N, string Word)>(
                "SELECT n, 'row ' || n FROM generate_series(1, @count) AS n WHERE n % @step = 0 ORDER BY n", new { count = 10, step = 5 })).ToList();
            rows.Should().Equal((5, "row 5"), (10, "row 10"));
        }

        var dataSource = host.Services.GetRequiredKeyedService<DbDataSource>("reports");
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            (await connection.ExecuteScalarAsync<string>("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().StartWith("TLSv1.");
        }

        await host.StopAsync();
    }
}
