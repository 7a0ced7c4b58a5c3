using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.Connecting;

[Collection(TestBedCollection.Name)]
public sealed class ProbeScratchTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Scratch()
    {
        var server = await fixture.GetSharedServerAsync();
        await using var factory = ConnectionFactory.FromUrl(server.Url + "?sslmode=verify-full&sslrootcert=" + Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath));
        await using (var c = await factory.OpenConnectionAsync())
        {
            output.WriteLine(string.Join(", ", c.PostgresParameters.Select(kv => kv.Key + "=" + kv.Value)));
            await using var cmd = new NpgsqlCommand("select ssl from pg_stat_ssl where pid = pg_backend_pid()", c);
            output.WriteLine("ssl: " + await cmd.ExecuteScalarAsync());
        }

        var wrong = await fixture.GetOrStartServerAsync("wrong", () => new PostgresServerOptions { Certificate = ServerCertificateKind.WrongHostName });
        await using var f2 = ConnectionFactory.FromUrl(wrong.Url + "?sslmode=verify-full&sslrootcert=" + Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath));
        try { await f2.OpenConnectionAsync(); } catch (Exception e) { output.WriteLine(e.ToString()); }

        using var refused = fixture.TestBed.CreateRefusedEndpoint();
        using var hole = fixture.TestBed.StartBlackHole();
        var url = $"postgresql://{server.Username}:{server.Password}@{refused.Host}:{refused.Port},{hole.Host}:{hole.Port},{server.Host}:{server.Port}/{server.Database}?connect_timeout=2";
        await using var f3 = ConnectionFactory.FromUrl(url);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using (await f3.OpenConnectionAsync()) { }
        output.WriteLine($"first open {sw.ElapsedMilliseconds} ms");
        sw.Restart();
        await using (await f3.OpenConnectionAsync()) { }
        output.WriteLine($"second open {sw.ElapsedMilliseconds} ms, hole accepted {hole.AcceptedConnections}");

        var bad = $"postgresql://{server.Username}:wrong@{server.Host}:{server.Port},{hole.Host}:{hole.Port}/{server.Database}";
        await using var f4 = ConnectionFactory.FromUrl(bad);
        try { await f4.OpenConnectionAsync(); } catch (Exception e) { output.WriteLine(e.Message); }

        var allDown = $"postgresql://u:p@{refused.Host}:{refused.Port}/db";
        await using var f5 = ConnectionFactory.FromUrl(allDown, new ConnectionFactoryOptions { Retry = new RetryPolicy { OverallTimeout = TimeSpan.FromSeconds(2), MaxAttempts = 1000 } });
        sw.Restart();
        try { await f5.OpenConnectionAsync(); } catch (Exception e) { output.WriteLine($"{sw.ElapsedMilliseconds} ms: " + e.Message[..Math.Min(600, e.Message.Length)]); }
    }
}
