using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PgSecureConnect.Hosting.Tests.Infrastructure;

namespace PgSecureConnect.Hosting.Tests;

/// <summary>Metrics and spans seen through OpenTelemetry's in-memory exporter, from opens against real servers.</summary>
[Collection(TestBedCollection.Name)]
public sealed class TelemetryTests(TestBedFixture fixture)
{
    private sealed record Observed(List<MetricSnapshot> Metrics, List<Activity> Spans);

    private static (IHost Host, Observed Observed) Build(TestHost test, string name)
    {
        var observed = new Observed([], []);
        test.Builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddInMemoryExporter(observed.Metrics))
            .WithTracing(t => t.AddInMemoryExporter(observed.Spans));
        test.Builder.AddKeyedPgSecureConnect(name);
        return (test.Builder.Build(), observed);
    }

    private static IEnumerable<(MetricPoint Point, Dictionary<string, object?> Tags)> Points(Observed observed, string metric, string factory)
        => observed.Metrics.Where(m => m.Name == metric)
            .SelectMany(m => m.MetricPoints)
            .Select(p => (p, Tags(p)))
            .Where(p => Equals(p.Item2.GetValueOrDefault("pgsecureconnect.factory.name"), factory) || Equals(p.Item2.GetValueOrDefault("db.client.connection.pool.name")?.ToString()?.Split('/')[0], factory));

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    [Fact]
    public async Task A_failover_open_is_counted_timed_and_traced_with_an_event_per_attempt()
    {
        var server = await fixture.ServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        var name = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        using var test = new TestHost(new Dictionary<string, string?> { [$"ConnectionStrings:{name}"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port},localhost:{server.Port}") });
        var (host, observed) = Build(test, name);
        using var _ = host;
        await host.StartAsync();
        var factory = host.Services.GetRequiredKeyedService<IConnectionFactory>(name);

        await using (await factory.OpenConnectionAsync())
        {
        }

        await using (await factory.OpenConnectionAsync())
        {
        }

        host.Services.GetRequiredService<MeterProvider>().ForceFlush().Should().BeTrue();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush().Should().BeTrue();

        var attempts = Points(observed, "pgsecureconnect.open.attempts", name).ToList();
        attempts.Should().Contain(p => Equals(p.Tags["pgsecureconnect.outcome"], "failure") && Equals(p.Tags["error.type"], "unreachable")
            && Equals(p.Tags["server.port"], refused.Port) && p.Point.GetSumLong() == 1);
        attempts.Should().Contain(p => Equals(p.Tags["pgsecureconnect.outcome"], "success") && Equals(p.Tags["server.port"], server.Port)
            && Equals(p.Tags["db.client.connection.pool.name"], $"{name}/localhost:{server.Port}") && Equals(p.Tags["db.system.name"], "postgresql")
            && p.Point.GetSumLong() == 2);
        Points(observed, "pgsecureconnect.failovers", name).Sum(p => p.Point.GetSumLong()).Should().Be(1, "the second open skipped the refused server");
        var durations = Points(observed, "pgsecureconnect.open.duration", name).Where(p => Equals(p.Tags["pgsecureconnect.outcome"], "success")).ToList();
        durations.Sum(p => p.Point.GetHistogramCount()).Should().Be(2);
        durations.Sum(p => p.Point.GetHistogramSum()).Should().BeGreaterThan(0).And.BeLessThan(30);
        Points(observed, "pgsecureconnect.servers.offline", name).Should().Contain(p => Equals(p.Tags["server.port"], refused.Port) && p.Point.GetSumLong() == 1)
            .And.Contain(p => Equals(p.Tags["server.port"], server.Port) && p.Point.GetSumLong() == 0);
        Points(observed, "pgsecureconnect.server.certificate.time_left", name).Should().ContainSingle()
            .Which.Point.GetGaugeLastValueDouble().Should().BeInRange(TimeSpan.FromDays(29).TotalSeconds, TimeSpan.FromDays(30.1).TotalSeconds);
        observed.Metrics.Should().Contain(m => m.Name.StartsWith("db.client.", StringComparison.Ordinal) && m.MetricPoints.Any(p => Equals(Tags(p).GetValueOrDefault("db.client.connection.pool.name"), $"{name}/localhost:{server.Port}")),
            "Npgsql's own metrics name the pool after the server");

        var span = observed.Spans.Should().ContainSingle(a => a.OperationName == "PgSecureConnect.Open" && Equals(a.GetTagItem("pgsecureconnect.factory.name"), name),
            "only the open that needed a second attempt is traced").Subject;
        span.Events.Select(e => (e.Tags.First(t => t.Key == "pgsecureconnect.outcome").Value, e.Tags.FirstOrDefault(t => t.Key == "error.type").Value))
            .Should().Equal(("failure", "unreachable"), ("success", null));
        span.Events.First().Tags.Should().Contain(new KeyValuePair<string, object?>("server.port", refused.Port)).And.Contain(t => t.Key == "pgsecureconnect.attempt.duration");
        span.GetTagItem("server.port").Should().Be(server.Port);
        span.Status.Should().Be(ActivityStatusCode.Unset);

        var everything = string.Join(" ", observed.Spans.SelectMany(a => a.TagObjects.Concat(a.Events.SelectMany(e => e.Tags))).Select(t => t.Value))
            + string.Join(" ", observed.Metrics.SelectMany(m => m.MetricPoints).SelectMany(p => Tags(p).Values));
        everything.Should().NotContain(server.Password);
    }

    [Fact]
    public async Task TraceEveryOpen_gives_each_open_a_span_and_a_failed_open_an_error_status()
    {
        var server = await fixture.ServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        var name = "trace-all-" + Guid.NewGuid().ToString("N")[..8];
        using var test = new TestHost(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{name}"] = fixture.Url(server),
            [$"ConnectionStrings:{name}-down"] = fixture.Url(server, hosts: $"127.0.0.1:{refused.Port}"),
            ["PgSecureConnect:TraceEveryOpen"] = "true",
            ["PgSecureConnect:Retry:MaxAttempts"] = "2",
            ["PgSecureConnect:Retry:BaseDelay"] = "00:00:00.010",
            ["PgSecureConnect:Retry:MaxDelay"] = "00:00:00.010",
        });
        test.Builder.AddKeyedPgSecureConnect(name + "-down");
        var (host, observed) = Build(test, name);
        using var _ = host;
        await host.StartAsync();

        await using (await host.Services.GetRequiredKeyedService<IConnectionFactory>(name).OpenConnectionAsync())
        {
        }

        var failing = () => host.Services.GetRequiredKeyedService<IConnectionFactory>(name + "-down").OpenConnectionAsync().AsTask();
        await failing.Should().ThrowAsync<ConnectionFailedException>();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var ok = observed.Spans.Should().ContainSingle(a => Equals(a.GetTagItem("pgsecureconnect.factory.name"), name)).Subject;
        ok.Events.Should().ContainSingle().Which.Tags.Should().Contain(new KeyValuePair<string, object?>("pgsecureconnect.outcome", "success"));
        var down = observed.Spans.Should().ContainSingle(a => Equals(a.GetTagItem("pgsecureconnect.factory.name"), name + "-down")).Subject;
        down.Status.Should().Be(ActivityStatusCode.Error);
        down.GetTagItem("error.type").Should().Be("unreachable");
        down.Events.Should().HaveCount(2, "two attempts on the one refused server");
    }
}
