using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using PgSecureConnect.Hosting.Tests.Infrastructure;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>
/// The web sample as a user runs it: <c>builder.AddPgSecureConnect()</c> and a <c>DATABASE_URL</c> in the real
/// environment (this collection does not run in parallel; the variable is restored).
/// </summary>
[Collection(TestBedCollection.Name)]
public sealed class WebApiSampleTests(TestBedFixture fixture)
{
    [Fact]
    public async Task DATABASE_URL_in_the_environment_is_all_the_sample_needs_for_orders_and_health()
    {
        var server = await fixture.ServerAsync("webapi");
        var previous = Environment.GetEnvironmentVariable("DATABASE_URL");
        Environment.SetEnvironmentVariable("DATABASE_URL", fixture.Url(server));
        try
        {
            await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Test"));
            using var client = factory.CreateClient();

            var orders = await client.GetStringAsync("/orders?customer=ada");
            var health = await client.GetAsync("/health");

            JsonDocument.Parse(orders).RootElement.EnumerateArray().Select(o => (o.GetProperty("customer").GetString(), o.GetProperty("total").GetDecimal()))
                .Should().Equal(("ada", 42.50m), ("ada", 8.25m));
            health.StatusCode.Should().Be(HttpStatusCode.OK);
            var check = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("checks")[0];
            check.GetProperty("name").GetString().Should().Be("PgSecureConnect");
            check.GetProperty("status").GetString().Should().Be("Healthy");
            var serverHealth = check.GetProperty("servers")[0];
            serverHealth.GetProperty("server").GetString().Should().Be($"localhost:{server.Port}", "the configured server, not a throwaway one");
            serverHealth.GetProperty("tlsProtocol").GetString().Should().StartWith("TLSv1.");
            serverHealth.GetProperty("hostNameVerified").GetBoolean().Should().BeTrue();
            serverHealth.GetProperty("certificateExpiresInDays").GetDouble().Should().BeGreaterThan(29);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DATABASE_URL", previous);
        }
    }

    [Fact]
    public void A_bad_DATABASE_URL_stops_the_sample_at_start_not_on_the_first_request()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Test")
            .UseSetting("DATABASE_URL", "postgresql://app:secret@db.example.com/shop?sslmode=prefer"));

        var start = () => factory.CreateClient();

        start.Should().Throw<ConnectionConfigurationException>().Which.Message.Should().StartWith(
            "The PostgreSQL connection settings are invalid: sslmode in configuration key DATABASE_URL: sslmode=prefer would let the connection to the remote host db.example.com run without encryption")
            .And.NotContain("secret");
    }
}
