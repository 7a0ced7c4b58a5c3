using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgSecureConnect.Hosting.Tests.Infrastructure;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>Where settings and options come from, and how bad ones stop the host at start.</summary>
[Collection(TestBedCollection.Name)]
public sealed class ConfigurationTests(TestBedFixture fixture)
{
    [Fact]
    public async Task Appsettings_win_over_dotenv_and_named_option_sections_over_the_shared_one_and_code_over_both()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost();
        await File.WriteAllTextAsync(Path.Combine(test.ContentRoot, ".env"),
            $"DATABASE_URL={fixture.Url(server, "application_name=from-dotenv")}\nORDERS_DATABASE_URL={fixture.Url(server, "application_name=orders-from-dotenv")}\n");
        await File.WriteAllTextAsync(Path.Combine(test.ContentRoot, "appsettings.json"), $$"""
            {
              "DATABASE_URL": "{{fixture.Url(server, "application_name=from-appsettings")}}",
              "PgSecureConnect": { "MaxPoolSize": 7, "MinPoolSize": 1, "orders": { "MaxPoolSize": 9 } }
            }
            """);
        test.Builder.Configuration.AddJsonFile(Path.Combine(test.ContentRoot, "appsettings.json"));
        test.Builder.AddPgSecureConnect().AddKeyedPgSecureConnect("orders", o => o.MinPoolSize = 2);
        using var host = test.Builder.Build();
        await host.StartAsync();

        var plain = host.Services.GetRequiredService<IConnectionFactory>();
        var orders = host.Services.GetRequiredKeyedService<IConnectionFactory>("orders");

        plain.Settings.ApplicationName.Should().Be("from-appsettings", "every real configuration source wins over .env");
        orders.Settings.ApplicationName.Should().Be("orders-from-dotenv", "nothing else sets ORDERS_DATABASE_URL");
        orders.Settings.GetSource("application_name")!.ToString().Should().Contain(".env");
        (plain.Settings.MaxPoolSize, plain.Settings.MinPoolSize).Should().Be((7, 1));
        (orders.Settings.MaxPoolSize, orders.Settings.MinPoolSize).Should().Be((9, 2), "PgSecureConnect:orders wins over PgSecureConnect, code over both");
        await host.StopAsync();
    }

    [Fact]
    public async Task A_real_environment_variable_wins_over_appsettings_and_dotenv_as_in_the_default_host_order()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost();
        await File.WriteAllTextAsync(Path.Combine(test.ContentRoot, ".env"), $"DATABASE_URL={fixture.Url(server, "application_name=from-dotenv")}\n");
        await File.WriteAllTextAsync(Path.Combine(test.ContentRoot, "appsettings.json"), $$"""{ "DATABASE_URL": "{{fixture.Url(server, "application_name=from-appsettings")}}" }""");
        var previous = Environment.GetEnvironmentVariable("DATABASE_URL");
        Environment.SetEnvironmentVariable("DATABASE_URL", fixture.Url(server, "application_name=from-environment"));
        try
        {
            test.Builder.Configuration.AddJsonFile(Path.Combine(test.ContentRoot, "appsettings.json")).AddEnvironmentVariables();
            test.Builder.AddPgSecureConnect();
            using var host = test.Builder.Build();
            await host.StartAsync();

            var factory = host.Services.GetRequiredService<IConnectionFactory>();

            factory.Settings.ApplicationName.Should().Be("from-environment");
            await host.StopAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable("DATABASE_URL", previous);
        }
    }

    [Fact]
    public async Task Bad_options_and_bad_settings_fail_StartAsync_with_every_problem_and_not_Build()
    {
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://app@db.example.com:99999/shop?sslmode=disable",
            ["PgSecureConnect:SslPolicy"] = "3",
            ["PgSecureConnect:Default:Retry:MaxAttempts"] = "0",
            ["PgSecureConnect:Default:MaxPoolSzie"] = "10",
        });
        test.Builder.AddPgSecureConnect();
        using var host = test.Builder.Build();

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<ConnectionConfigurationException>()).Which;
        failure.Message.Should().Be(
            "The PostgreSQL connection settings are invalid (4 problems):\n" +
            "- configuration key PgSecureConnect:Default:MaxPoolSzie: PgSecureConnect:Default:MaxPoolSzie is not a PgSecureConnect setting; use one of SslPolicy, Retry, MaxPoolSize, MinPoolSize, ConnectionIdleLifetime, ConnectionLifetime, ApplicationName, EnvFilePath, Name, TraceEveryOpen, DisableHealthChecks, HealthCheckTags, HealthCheckTimeout, HealthCheckCacheDuration, CertificateExpiryWarning, DisableTracing, DisableMetrics, WarmUpOnStart (Retry:MaxAttempts|BaseDelay|MaxDelay|OverallTimeout|ConnectTimeout|HostRecheckInterval)\n" +
            "- configuration key PgSecureConnect:SslPolicy: PgSecureConnect:SslPolicy is '3', but it must be RequireEncryption, VerifyFull or AllowInsecure\n" +
            "- configuration key PgSecureConnect:Default:Retry:MaxAttempts: PgSecureConnect:Default:Retry:MaxAttempts is '0', but it must be a whole number of at least 1\n" +
            "- port in configuration key DATABASE_URL: port '99999' is not a number between 1 and 65535");
    }

    [Fact]
    public async Task An_undefined_SslPolicy_from_code_is_an_error_not_a_weaker_policy()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server) });
        test.Builder.AddPgSecureConnect(configure: o => o.SslPolicy = (SslPolicy)3);
        using var host = test.Builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<ConnectionConfigurationException>()).Which.Message.Should().Be(
            "The PostgreSQL connection settings are invalid: SslPolicy (options chosen by AddPgSecureConnect): SslPolicy 3 is not a defined policy; use SslPolicy.RequireEncryption, VerifyFull or AllowInsecure");
    }

    [Fact]
    public async Task Nothing_configured_names_the_keys_looked_at()
    {
        using var test = new TestHost();
        test.Builder.AddKeyedPgSecureConnect("orders");
        using var host = test.Builder.Build();

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<ConnectionConfigurationException>()).Which;
        failure.Message.Should().Contain("ConnectionStrings:orders").And.Contain("ORDERS_DATABASE_URL").And.Contain("ORDERS_DB_HOST");
        failure.Message.Should().NotContain("PGHOST", "prefixed databases do not read the shared libpq variables");
    }
}
