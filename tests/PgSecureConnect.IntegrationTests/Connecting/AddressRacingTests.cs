using System.Diagnostics;
using System.Net;
using Npgsql;
using Xunit.Abstractions;
using PgSecureConnect.Connecting;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Connecting;

/// <summary>
/// Racing the addresses of one host name (issue 14, RFC 8305): Npgsql tries a name's addresses one after another, so a
/// hung first address costs its share of the connect timeout before the next is tried. The names resolve through this
/// machine's resolver, as Npgsql's do: <c>localhost</c> to <c>::1</c> then <c>127.0.0.1</c>, and
/// <c>pgsecure-v4pair.test</c> to <c>127.0.0.1</c> then <c>127.0.0.3</c> (lines in <c>/etc/hosts</c> that
/// <c>.ci/run</c> adds; <see cref="RequireResolution"/> names the fix when they are missing). The first address is a
/// black hole on the server's port (it accepts and never answers); the server listens on the second.
/// </summary>
[Collection(TestBedCollection.Name)]
public sealed class AddressRacingTests(TestBedFixture fixture, ITestOutputHelper output)
{
    private const string V4Pair = "pgsecure-v4pair.test";
    private static readonly IPAddress V4PairServer = IPAddress.Parse("127.0.0.3");
    private static readonly TimeSpan PollLimit = TimeSpan.FromSeconds(15);

    private string Ca => Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath);

    private string Url(PostgresServer server, string host, string sslMode, string applicationName)
        => $"postgresql://{server.Username}:{server.Password}@{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{server.Port}/{server.Database}" +
           $"?sslmode={sslMode}&sslrootcert={Ca}&application_name={applicationName}";

    private Task<PostgresServer> V4PairServerAsync()
        => fixture.GetOrStartServerAsync("address-racing-127.0.0.3", () => new PostgresServerOptions { ListenAddress = V4PairServer.ToString() });

    /// <summary>Fails with the fix when this machine resolves <paramref name="name"/> otherwise than the tests need.</summary>
    private static void RequireResolution(string name, params string[] expected)
    {
        var actual = Dns.GetHostAddresses(name).Select(a => a.ToString()).ToArray();
        if (!actual.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"This machine resolves '{name}' to [{string.Join(", ", actual)}]; the address-racing tests need [{string.Join(", ", expected)}], in that order. " +
                "Fix: add these lines to /etc/hosts (.ci/run does): '::1 localhost ip6-localhost ip6-loopback', '127.0.0.1 pgsecure-v4pair.test', '127.0.0.3 pgsecure-v4pair.test'.");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            stopwatch.Elapsed.Should().BeLessThan(PollLimit, because);
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The first open of a fresh factory through <paramref name="name"/>, whose first address is <paramref name="hole"/>,
    /// against the first open of a fresh factory straight to the server's address: the figure racing is held to.
    /// </summary>
    private async Task<(ConnectionFactoryCore Core, CapturingLoggerProvider Logs)> RaceAsync(
        PostgresServer server, string name, BlackHoleEndpoint hole, IPAddress winner, string sslMode, string application, List<IAsyncDisposable> cleanup)
    {
        // JIT and TLS set-up of the address-racing path, so the timed opens compare like with like.
        await using (var warmUp = ConnectionFactory.FromUrl(Url(server, name, sslMode, application + "-warm-up")))
        {
            await using var connection = await warmUp.OpenConnectionAsync();
        }

        var acceptedBefore = hole.AcceptedConnections;
        TimeSpan direct;
        await using (var straight = ConnectionFactory.FromUrl(Url(server, winner.ToString(), sslMode == "verify-full" ? "verify-ca" : sslMode, application + "-direct")))
        {
            var stopwatch = Stopwatch.StartNew();
            await using var connection = await straight.OpenConnectionAsync();
            direct = stopwatch.Elapsed;
        }

        var logs = new CapturingLoggerProvider();
        var factory = ConnectionFactory.FromUrl(Url(server, name, sslMode, application), new ConnectionFactoryOptions { LoggerFactory = logs });
        cleanup.Add(factory);
        var timer = Stopwatch.StartNew();
        await using (var connection = await factory.OpenConnectionAsync())
        {
            var raced = timer.Elapsed;
            output.WriteLine($"{name}, first address black-holed: first open {raced.TotalMilliseconds:F0} ms; direct first open {direct.TotalMilliseconds:F0} ms");
            connection.Host.Should().Be(winner.ToString(), "the open won on the name's second address");
            raced.Should().BeLessThanOrEqualTo(direct + TimeSpan.FromMilliseconds(400), "a black-holed first address costs the attempt delay (250 ms), not a share of the 10 s connect timeout");
        }

        hole.AcceptedConnections.Should().Be(acceptedBefore + 1, "the attempt by name reached the first address once");
        return (ConnectionFactoryCore.Of(factory)!, logs);
    }

    [Fact]
    public async Task Black_holed_IPv6_first_address_costs_at_most_the_attempt_delay_and_the_IPv4_address_carries_later_opens()
    {
        RequireResolution("localhost", "::1", "127.0.0.1");
        var server = await fixture.GetSharedServerAsync();
        using var hole = fixture.TestBed.StartBlackHole(IPAddress.IPv6Loopback, server.Port);
        var cleanup = new List<IAsyncDisposable>();
        try
        {
            var (core, logs) = await RaceAsync(server, "localhost", hole, IPAddress.Loopback, "verify-full", "address-racing-v6", cleanup);

            var host = core.Hosts.Should().ContainSingle().Subject;
            host.IsOffline.Should().BeFalse("another address of the server answered");
            host.PinnedAddress.Should().Be(IPAddress.Loopback);
            logs.Entries.Should().Contain(e => e.EventId.Id == 1105 && e.Message.StartsWith($"No answer from localhost:{server.Port} within 250 ms", StringComparison.Ordinal)
                && e.Message.Contains($"racing localhost at 127.0.0.1:{server.Port} alongside it", StringComparison.Ordinal));
            logs.Entries.Should().Contain(e => e.EventId.Id == 1106 && e.Message.StartsWith($"localhost at 127.0.0.1:{server.Port} won the race", StringComparison.Ordinal)
                && e.Message.Contains($"localhost:{server.Port}", StringComparison.Ordinal));
            logs.Entries.Should().NotContain(e => e.EventId.Id == 1100 || e.EventId.Id == 1200, "the attempt by name was cancelled, not failed");

            // Later opens go to the address that won (pooled, synchronous) instead of waiting on the first address again.
            var factory = (IConnectionFactory)cleanup[0];
            for (var i = 0; i < 10; i++)
            {
                var pending = factory.OpenConnectionAsync();
                pending.IsCompletedSuccessfully.Should().BeTrue("the address that won carries the server's pooled opens");
                await using var connection = await pending;
                connection.Host.Should().Be("127.0.0.1");
            }

            hole.AcceptedConnections.Should().Be(2, "one attempt by name for the warm-up factory, one for this one, and none since");
        }
        finally
        {
            foreach (var item in cleanup)
            {
                await item.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Black_holed_IPv4_first_address_costs_at_most_the_attempt_delay()
    {
        RequireResolution(V4Pair, "127.0.0.1", "127.0.0.3");
        var server = await V4PairServerAsync();
        using var hole = fixture.TestBed.StartBlackHole(IPAddress.Loopback, server.Port);
        var cleanup = new List<IAsyncDisposable>();
        try
        {
            var (core, logs) = await RaceAsync(server, V4Pair, hole, V4PairServer, "verify-ca", "address-racing-v4", cleanup);

            core.Hosts[0].PinnedAddress.Should().Be(V4PairServer);
            core.Hosts[0].IsOffline.Should().BeFalse();
            logs.Entries.Should().Contain(e => e.EventId.Id == 1106 && e.Message.StartsWith($"{V4Pair} at 127.0.0.3:{server.Port} won the race", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var item in cleanup)
            {
                await item.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Racing_an_address_cannot_turn_host_name_verification_into_address_verification()
    {
        // The server's certificate names its addresses (127.0.0.3 among them) but not pgsecure-v4pair.test. The raced
        // attempt connects to 127.0.0.3; verify-full must still check the name the caller gave, or racing would accept a
        // certificate for the address, which anyone who can answer on that address may hold.
        RequireResolution(V4Pair, "127.0.0.1", "127.0.0.3");
        var server = await V4PairServerAsync();
        using var hole = fixture.TestBed.StartBlackHole(IPAddress.Loopback, server.Port);
        await using var factory = ConnectionFactory.FromUrl(Url(server, V4Pair, "verify-full", "address-racing-verify-full"));

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        var attempt = failure.Attempts.Should().ContainSingle().Subject;
        attempt.Address.Should().Be(V4PairServer);
        attempt.Raced.Should().BeTrue();
        attempt.Error.Should().Contain($"not for '{V4Pair}'");
        attempt.ToString().Should().StartWith($"{V4Pair}:{server.Port} at 127.0.0.3 (attempt 1, raced, ");
        ConnectionFactoryCore.Of(factory)!.Hosts[0].PinnedAddress.Should().BeNull();
    }

    [Fact]
    public async Task Units_of_work_on_a_raced_address_name_the_server_as_configured()
    {
        RequireResolution(V4Pair, "127.0.0.1", "127.0.0.3");
        var server = await V4PairServerAsync();
        using var hole = fixture.TestBed.StartBlackHole(IPAddress.Loopback, server.Port);
        await using var factory = ConnectionFactory.FromUrl(Url(server, V4Pair, "verify-ca", "address-racing-unit"),
            new ConnectionFactoryOptions { Retry = new RetryPolicy { MaxAttempts = 2 } });
        await (await factory.OpenConnectionAsync()).DisposeAsync();
        ConnectionFactoryCore.Of(factory)!.Hosts[0].PinnedAddress.Should().Be(V4PairServer);

        var failure = await Connect.FailureOf(() => factory.ExecuteInTransactionAsync(async (connection, transaction, cancellationToken) =>
        {
            connection.Host.Should().Be("127.0.0.3", "the unit runs on the address that won");
            await using var raise = new NpgsqlCommand("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$", connection, transaction);
            await raise.ExecuteNonQueryAsync(cancellationToken);
        }).AsTask());

        var exception = failure.Exception.Should().BeOfType<UnitOfWorkFailedException>().Subject;
        exception.Tries.Should().HaveCount(2).And.OnlyContain(t => t.Server == new ServerEndpoint(V4Pair, server.Port), "the report names the server as configured, not the address");
        exception.Message.Should().Contain($"{V4Pair}:{server.Port} (try 1, work");
    }

    [Fact]
    public async Task After_the_recheck_interval_opens_go_by_name_again()
    {
        RequireResolution(V4Pair, "127.0.0.1", "127.0.0.3");
        var server = await V4PairServerAsync();
        using var hole = fixture.TestBed.StartBlackHole(IPAddress.Loopback, server.Port);
        await using var factory = ConnectionFactory.FromUrl(Url(server, V4Pair, "verify-ca", "address-racing-unpin"),
            new ConnectionFactoryOptions { Retry = new RetryPolicy { HostRecheckInterval = TimeSpan.FromSeconds(1) } });
        await (await factory.OpenConnectionAsync()).DisposeAsync();
        var host = ConnectionFactoryCore.Of(factory)!.Hosts[0];
        host.PinnedAddress.Should().Be(V4PairServer);

        await WaitUntilAsync(() => host.PinnedAddress is null, "the pin lasts HostRecheckInterval (1 s), so DNS changes are picked up");

        ReferenceEquals(host.DataSource, host.NamedDataSource).Should().BeTrue();
        await using var again = await factory.OpenConnectionAsync();
        again.Host.Should().Be("127.0.0.3", "the next new connection races the addresses again");
        host.PinnedAddress.Should().Be(V4PairServer);
    }
}
