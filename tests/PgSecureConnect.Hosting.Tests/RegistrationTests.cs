using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PgSecureConnect.Hosting.Tests.Infrastructure;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>What AddPgSecureConnect registers, resolved from a real host against a real TLS server.</summary>
[Collection(TestBedCollection.Name)]
public sealed class RegistrationTests(TestBedFixture fixture)
{
    [Fact]
    public async Task AddPgSecureConnect_registers_one_factory_and_its_data_source_as_container_owned_singletons()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["ConnectionStrings:Default"] = fixture.Url(server, "application_name=registration-plain") });
        test.Builder.AddPgSecureConnect();
        IConnectionFactory factory;
        using (var host = test.Builder.Build())
        {
            await host.StartAsync();
            factory = host.Services.GetRequiredService<IConnectionFactory>();
            host.Services.GetRequiredService<IConnectionFactory>().Should().BeSameAs(factory);
            host.Services.GetRequiredService<NpgsqlDataSource>().Should().BeSameAs(factory.DataSource);
            host.Services.GetRequiredService<DbDataSource>().Should().BeSameAs(factory.DataSource);
            factory.Settings.SslMode.Should().Be(SslMode.VerifyFull);

            await using (var connection = await factory.OpenConnectionAsync())
            {
                (await new NpgsqlCommand("SELECT current_setting('application_name')", connection).ExecuteScalarAsync()).Should().Be("registration-plain");
            }

            await using var viaDataSource = await host.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
            viaDataSource.State.Should().Be(System.Data.ConnectionState.Open);
            await host.StopAsync();
        }

        var disposed = async () => await factory.OpenConnectionAsync();
        await disposed.Should().ThrowAsync<ObjectDisposedException>("the container owns the factory and disposes it with the host");
    }

    [Fact]
    public async Task Keyed_databases_read_their_own_connection_string_or_prefixed_variables()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billing"] = fixture.Url(server, "application_name=billing-app"),
            ["ORDERS_DATABASE_URL"] = fixture.Url(server, "application_name=orders-app"),
            ["DATABASE_URL"] = "postgresql://nobody@unused.invalid/none",
        });
        test.Builder.AddKeyedPgSecureConnect("orders").AddKeyedPgSecureConnect("billing");
        using var host = test.Builder.Build();
        await host.StartAsync();

        var orders = host.Services.GetRequiredKeyedService<IConnectionFactory>("orders");
        var billing = host.Services.GetRequiredKeyedService<IConnectionFactory>("billing");
        orders.Settings.ApplicationName.Should().Be("orders-app");
        orders.Settings.GetSource("application_name")!.ToString().Should().Contain("ORDERS_DATABASE_URL");
        billing.Settings.ApplicationName.Should().Be("billing-app");
        host.Services.GetRequiredKeyedService<NpgsqlDataSource>("orders").Should().BeSameAs(orders.DataSource);
        host.Services.GetRequiredKeyedService<DbDataSource>("billing").Should().BeSameAs(billing.DataSource);
        host.Services.GetService<IConnectionFactory>().Should().BeNull("only keyed databases were registered");

        await using var connection = await orders.OpenConnectionAsync();
        (await new NpgsqlCommand("SELECT current_setting('application_name')", connection).ExecuteScalarAsync()).Should().Be("orders-app");
        await host.StopAsync();
    }

    [Fact]
    public void Registering_a_name_twice_throws_at_once()
    {
        using var test = new TestHost();
        test.Builder.AddKeyedPgSecureConnect("orders");

        var again = () => test.Builder.AddKeyedPgSecureConnect("Orders");
        var secondUnkeyed = () => test.Builder.AddPgSecureConnect().AddPgSecureConnect("billing");

        again.Should().Throw<InvalidOperationException>().WithMessage(
            "PgSecureConnect: the database 'Orders' is already registered (keyed PgSecureConnect 'orders'). Register each database once; " +
            "for several databases give each its own name (AddKeyedPgSecureConnect(\"orders\"), AddKeyedPgSecureConnect(\"billing\")).");
        secondUnkeyed.Should().Throw<InvalidOperationException>().WithMessage(
            "PgSecureConnect: 'Default' is already registered as the unkeyed IConnectionFactory, so 'billing' cannot be too. " +
            "Use AddKeyedPgSecureConnect(\"billing\") and resolve it with GetRequiredKeyedService<IConnectionFactory>(\"billing\").");
    }

    [Fact]
    public async Task ServiceCollection_overload_reads_the_configuration_in_the_container()
    {
        var server = await fixture.ServerAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server, "application_name=no-host"), ["PgSecureConnect:MaxPoolSize"] = "4" })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddPgSecureConnect(configureHosting: h => h.DisableTracing = true);
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<IConnectionFactory>();

        factory.Settings.MaxPoolSize.Should().Be(4);
        await using var connection = await factory.OpenConnectionAsync();
        (await new NpgsqlCommand("SELECT current_setting('application_name')", connection).ExecuteScalarAsync()).Should().Be("no-host");
    }

    [Fact]
    public async Task Warm_up_opens_MinPoolSize_connections_to_every_server_before_the_host_has_started()
    {
        var server = await fixture.ServerAsync();
        var name = "warm-up-" + Guid.NewGuid().ToString("N")[..8];
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = fixture.Url(server, "application_name=" + name),
            ["PgSecureConnect:MinPoolSize"] = "3",
            ["PgSecureConnect:WarmUpOnStart"] = "true",
        });
        test.Builder.AddPgSecureConnect();
        using var host = test.Builder.Build();

        await host.StartAsync();

        (await server.ExecuteScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name}'")).Should().Be(3);
        await host.StopAsync();
    }
}
