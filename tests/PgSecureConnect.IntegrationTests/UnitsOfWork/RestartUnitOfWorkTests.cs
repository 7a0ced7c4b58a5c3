using System.Diagnostics;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.UnitsOfWork;

[Collection(TestBedCollection.Name)]
public sealed class RestartUnitOfWorkTests(TestBedFixture fixture, ITestOutputHelper output)
{
    private const int Writers = 16;

    [Fact]
    public async Task Sixteen_writers_lose_no_unit_no_row_and_write_nothing_twice_when_the_server_restarts()
    {
        await using var server = await fixture.TestBed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.Off });
        await server.ExecuteScalarAsync<object>(UnitWriters.CreateTable);
        await using var factory = ConnectionFactory.FromUrl(server.Url + "?sslmode=disable&application_name=unit_writers", new ConnectionFactoryOptions { Retry = FailoverUnitOfWorkTests.RidingOutPolicy });

        await using var writers = new UnitWriters(factory, Writers);
        await writers.WaitUntilEveryWriterCompletesAsync(3, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var restart = Stopwatch.StartNew();
        await server.StopAsync(StopMode.Fast);
        await server.StartAsync();
        var restartedAt = writers.Now;
        output.WriteLine($"stop (fast) and start took {restart.Elapsed.TotalMilliseconds:F0} ms");

        await writers.WaitUntilEveryWriterCompletesAsync(3, restartedAt, TimeSpan.FromSeconds(30));
        await writers.StopAsync();
        var figures = await writers.CheckAsync(Connect.To(server), output, "server restart");

        figures.Failed.Should().Be(0);
        figures.Lost.Should().Be(0);
        figures.Duplicates.Should().Be(0);
        figures.Unacknowledged.Should().Be(0);
        figures.MaxDuration.Should().BeLessThan(restart.Elapsed + TimeSpan.FromSeconds(5), "a unit waits for the restart, and not much longer");
    }

    [Fact]
    public async Task Sixteen_writers_lose_no_unit_no_row_and_write_nothing_twice_when_pgbouncer_restarts()
    {
        await using var server = await fixture.TestBed.StartServerAsync(new PostgresServerOptions { Tls = ServerTlsMode.Off });
        await server.ExecuteScalarAsync<object>(UnitWriters.CreateTable);
        await using var bouncer = await fixture.TestBed.StartPgBouncerAsync(server, new PgBouncerOptions { PoolMode = PgBouncerPoolMode.Transaction, PoolSize = 8 });
        await using var factory = ConnectionFactory.FromUrl(bouncer.Url + "?sslmode=disable&application_name=unit_writers", new ConnectionFactoryOptions { Retry = FailoverUnitOfWorkTests.RidingOutPolicy });

        await using var writers = new UnitWriters(factory, Writers);
        await writers.WaitUntilEveryWriterCompletesAsync(3, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var restart = Stopwatch.StartNew();
        await bouncer.RestartAsync();
        var restartedAt = writers.Now;
        output.WriteLine($"PgBouncer restart took {restart.Elapsed.TotalMilliseconds:F0} ms");

        await writers.WaitUntilEveryWriterCompletesAsync(3, restartedAt, TimeSpan.FromSeconds(30));
        await writers.StopAsync();
        var figures = await writers.CheckAsync(Connect.To(server), output, "PgBouncer restart (transaction pooling)");

        figures.Failed.Should().Be(0);
        figures.Lost.Should().Be(0);
        figures.Duplicates.Should().Be(0);
        figures.Unacknowledged.Should().Be(0);
        figures.MaxDuration.Should().BeLessThan(restart.Elapsed + TimeSpan.FromSeconds(5), "a unit waits for the restart, and not much longer");
    }
}
