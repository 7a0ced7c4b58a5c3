using System.Diagnostics;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

[Collection(TestBedCollection.Name)]
public sealed class SmokeTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Starts()
    {
        output.WriteLine($"bed start {fixture.StartDuration.TotalMilliseconds:0} ms, template {fixture.TestBed.TemplateCreationTime.TotalMilliseconds:0} ms");
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var server = await fixture.TestBed.StartServerAsync();
            output.WriteLine($"server {server} in {sw.ElapsedMilliseconds} ms");
            await using var c = new NpgsqlConnection(server.ConnectionString);
            await c.OpenAsync();
            (await server.ExecuteScalarAsync<string>("select version()")).Should().Contain("PostgreSQL");
        }
    }
}
