using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PgSecureConnect.Hosting.Tests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>The health check against real servers: healthy, degraded by a certificate or a dead server, unhealthy.</summary>
[Collection(TestBedCollection.Name)]
public sealed class HealthCheckTests(TestBedFixture fixture)
{
    private static async Task<(HealthReport Report, IHost Host)> CheckAsync(TestHost test, string name = "Default", bool keyed = false,
        Action<PgSecureConnectHostingOptions>? hosting = null)
    {
        if (keyed)
        {
            test.Builder.AddKeyedPgSecureConnect(name, configureHosting: hosting);
        }
        else
        {
            test.Builder.AddPgSecureConnect(name, configureHosting: hosting);
        }

        var host = test.Builder.Build();
        await host.StartAsync();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return (report, host);
    }

    [Fact]
    public async Task A_verified_server_is_healthy_and_reported_in_full()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server) });
        var (report, host) = await CheckAsync(test);
        using var _ = host;

        var entry = report.Entries.Should().ContainKey("PgSecureConnect").WhoseValue;
        entry.Status.Should().Be(HealthStatus.Healthy, entry.Description);
        entry.Description.Should().Be($"1 of 1 server(s) serve (localhost:{server.Port} primary).");
        var health = entry.Data[$"localhost:{server.Port}"].Should().BeOfType<PgSecureConnectServerHealth>().Subject;
        health.Reachable.Should().BeTrue();
        health.Role.Should().Be("primary");
        health.TlsProtocol.Should().StartWith("TLSv1.");
        health.ChainVerified.Should().BeTrue();
        health.HostNameVerified.Should().BeTrue();
        health.CertificateExpiresInDays.Should().BeInRange(29, 30.1);
        health.RoundTripTime.Should().BePositive().And.BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Rotating_credentials_show_their_age_in_the_health_data_and_their_refreshes_in_metrics()
    {
        var server = await fixture.ServerAsync();
        var directory = Directory.CreateTempSubdirectory("pgsecure-hosting-credentials-").FullName;
        try
        {
            var file = Path.Combine(directory, "database-url");
            await File.WriteAllTextAsync(file, fixture.Url(server));
            var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var listener = new System.Diagnostics.Metrics.MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "PgSecureConnect" && instrument.Name == "pgsecureconnect.credentials.refreshes")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "pgsecureconnect.outcome")
                    {
                        outcomes.Enqueue((string)tag.Value!);
                    }
                }
            });
            listener.Start();
            using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL_FILE"] = file });
            var (report, host) = await CheckAsync(test);
            using var _ = host;

            var entry = report.Entries["PgSecureConnect"];
            entry.Status.Should().Be(HealthStatus.Healthy, entry.Description);
            entry.Data.Should().ContainKey("credentials_age_seconds").WhoseValue.Should().BeOfType<double>().Which.Should().BeGreaterThanOrEqualTo(0);
            entry.Data.Values.OfType<string>().Should().NotContain(v => v.Contains(fixture.Url(server), StringComparison.Ordinal));

            // The secret file is rewritten (a rotation that keeps the same credentials): the watcher re-reads it.
            await File.WriteAllTextAsync(file, fixture.Url(server) + "\n");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (outcomes.IsEmpty && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            outcomes.Should().Contain("unchanged");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_certificate_expiring_within_the_warning_degrades_the_check()
    {
        var server = await fixture.ServerAsync("expires-soon", ServerCertificateKind.ExpiresSoon);
        using var test = new TestHost(new Dictionary<string, string?> { ["ConnectionStrings:orders"] = fixture.Url(server) });
        var (report, host) = await CheckAsync(test, "orders", keyed: true);
        using var _ = host;

        var entry = report.Entries.Should().ContainKey("PgSecureConnect_orders").WhoseValue;
        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Be($"1 of 1 server(s) serve (localhost:{server.Port} primary); the certificate of localhost:{server.Port} expires in 2 days (warning at 14 days).");
        ((PgSecureConnectServerHealth)entry.Data[$"localhost:{server.Port}"]).CertificateExpiresInDays.Should().BeInRange(1.9, 2.01);
    }

    [Fact]
    public async Task The_warning_is_configurable_so_the_same_certificate_can_be_healthy()
    {
        var server = await fixture.ServerAsync("expires-soon", ServerCertificateKind.ExpiresSoon);
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server), ["PgSecureConnect:CertificateExpiryWarning"] = "1.00:00:00" });
        var (report, host) = await CheckAsync(test);
        using var _ = host;

        report.Entries["PgSecureConnect"].Status.Should().Be(HealthStatus.Healthy);
    }

    [Fact]
    public async Task A_dead_server_beside_a_serving_one_degrades_and_every_server_dead_is_unhealthy_within_the_timeout()
    {
        var server = await fixture.ServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        using var hole = fixture.TestBed.StartBlackHole();
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:mixed"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port},localhost:{server.Port}"),
            ["ConnectionStrings:dead"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port},127.0.0.1:{hole.Port}"),
            ["PgSecureConnect:HealthCheckTimeout"] = "00:00:01.500",
        });
        test.Builder.AddKeyedPgSecureConnect("mixed").AddKeyedPgSecureConnect("dead");
        using var host = test.Builder.Build();
        await host.StartAsync();

        var stopwatch = Stopwatch.StartNew();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        stopwatch.Stop();

        var mixed = report.Entries["PgSecureConnect_mixed"];
        mixed.Status.Should().Be(HealthStatus.Degraded);
        mixed.Description.Should().StartWith($"1 of 2 server(s) serve (localhost:{server.Port} primary); 127.0.0.1:{refused.Port} is down (connection refused)");
        var dead = report.Entries["PgSecureConnect_dead"];
        dead.Status.Should().Be(HealthStatus.Unhealthy);
        dead.Description.Should().Be($"No server answers. 127.0.0.1:{refused.Port} is down (connection refused), 127.0.0.1:{hole.Port} is down (timed out).");
        ((PgSecureConnectServerHealth)dead.Data[$"127.0.0.1:{hole.Port}"]).FailureKind.Should().Be(ConnectionFailureKind.Timeout);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "a probe never outlives the health check timeout (1.5 s)");
        report.Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task A_server_the_factory_knows_to_be_down_is_reported_without_waiting_on_it()
    {
        var server = await fixture.ServerAsync();
        using var hole = fixture.TestBed.StartBlackHole();
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = fixture.Url(server, "connect_timeout=1", hosts: $"127.0.0.1:{hole.Port},localhost:{server.Port}"),
            ["PgSecureConnect:HealthCheckCacheDuration"] = "00:00:00",
        });
        // Racing off: the open waits out the black hole's connect timeout and marks it offline before it returns (with
        // racing the losing attempt marks it a moment later, on its own timeout).
        test.Builder.AddPgSecureConnect(configure: options => options.Retry = new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan });
        using var host = test.Builder.Build();
        await host.StartAsync();
        await using (await host.Services.GetRequiredService<IConnectionFactory>().OpenConnectionAsync())
        {
            // The open waited once on the black hole and marked it offline.
        }

        var stopwatch = Stopwatch.StartNew();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(900));
        var health = (PgSecureConnectServerHealth)report.Entries["PgSecureConnect"].Data[$"127.0.0.1:{hole.Port}"];
        health.MarkedOffline.Should().BeTrue();
        report.Entries["PgSecureConnect"].Status.Should().Be(HealthStatus.Degraded);
        hole.AcceptedConnections.Should().Be(1, "only the open touched the black hole");
    }

    [Fact]
    public async Task Results_are_cached_briefly_and_concurrent_checks_share_one_probe()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server), ["PgSecureConnect:HealthCheckCacheDuration"] = "00:01:00" });
        test.Builder.AddPgSecureConnect();
        using var host = test.Builder.Build();
        await host.StartAsync();
        var service = host.Services.GetRequiredService<HealthCheckService>();

        var reports = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => service.CheckHealthAsync()));
        var later = await service.CheckHealthAsync();

        var key = $"localhost:{server.Port}";
        reports.Append(later).Select(r => r.Entries["PgSecureConnect"].Data[key]).Distinct().Should().ContainSingle("one probe served all 21 checks");
    }

    [Fact]
    public async Task Nothing_secret_appears_in_the_description_or_the_data()
    {
        var server = await fixture.ServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        using var test = new TestHost(new Dictionary<string, string?> { ["DATABASE_URL"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port},localhost:{server.Port}") });
        var (report, host) = await CheckAsync(test);
        using var _ = host;

        var entry = report.Entries["PgSecureConnect"];
        var text = entry.Description + JsonSerializer.Serialize(entry.Data);
        text.Should().NotContain(server.Password).And.NotContain("postgresql://").And.NotContain(fixture.TestBed.Certificates.CaCertificatePath);
    }

    [Fact]
    public async Task The_check_can_be_turned_off_and_tagged()
    {
        var server = await fixture.ServerAsync();
        using var test = new TestHost(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = fixture.Url(server),
            ["ConnectionStrings:audit"] = fixture.Url(server),
            ["PgSecureConnect:audit:DisableHealthChecks"] = "true",
            ["PgSecureConnect:HealthCheckTags:0"] = "ready",
        });
        test.Builder.AddPgSecureConnect().AddKeyedPgSecureConnect("audit");
        using var host = test.Builder.Build();
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        report.Entries.Keys.Should().Equal("PgSecureConnect");
    }

    [Fact]
    public async Task A_check_can_be_added_by_hand_under_another_name_and_status()
    {
        var server = await fixture.ServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        using var test = new TestHost(new Dictionary<string, string?> { ["ConnectionStrings:cache"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port}") });
        test.Builder.AddKeyedPgSecureConnect("cache", configureHosting: h => h.DisableHealthChecks = true);
        test.Builder.Services.AddHealthChecks().AddPgSecureConnect("cache", "optional-cache", HealthStatus.Degraded, ["optional"]);
        var missing = () => test.Builder.Services.AddHealthChecks().AddPgSecureConnect("nope");
        using var host = test.Builder.Build();
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries.Keys.Should().Equal("optional-cache");
        report.Entries["optional-cache"].Status.Should().Be(HealthStatus.Degraded, "the failure status given replaces Unhealthy");
        missing.Should().Throw<InvalidOperationException>().WithMessage("PgSecureConnect: no database 'nope' is registered; call AddPgSecureConnect(\"nope\") or AddKeyedPgSecureConnect(\"nope\") first.");
    }
}
