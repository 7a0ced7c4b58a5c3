using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Connecting;

/// <summary>After a failover, pooled connections must not keep the application on the old primary.</summary>
[Collection(TestBedCollection.Name)]
public sealed class PoolHygieneTests(TestBedFixture fixture)
{
    [Fact]
    public async Task A_read_only_error_on_a_pooled_connection_moves_the_next_open_to_the_new_primary()
    {
        await using var oldPrimary = await fixture.TestBed.StartServerAsync();
        await using var newPrimary = await fixture.TestBed.StartStandbyAsync(oldPrimary);
        await oldPrimary.ExecuteScalarAsync<object>("CREATE TABLE t (x int)");
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{oldPrimary.Username}:{oldPrimary.Password}@{oldPrimary.Host}:{oldPrimary.Port},{newPrimary.Host}:{newPrimary.Port}/{oldPrimary.Database}?target_session_attrs=read-write");
        await using (var warm = await factory.OpenConnectionAsync())
        {
            (await Connect.ScalarAsync<int>(warm, "SELECT inet_server_port()")).Should().Be(oldPrimary.Port);
        }

        // Fail over: promote the standby, fence the old primary read-only (as a failover manager would).
        await newPrimary.PromoteAsync();
        await oldPrimary.ExecuteScalarAsync<object>("ALTER SYSTEM SET default_transaction_read_only = on");
        await oldPrimary.ExecuteScalarAsync<object>("SELECT pg_reload_conf()");
        await Task.Delay(200);

        await using (var stale = await factory.OpenConnectionAsync())
        {
            var write = () => Connect.ScalarAsync<object>(stale, "INSERT INTO t VALUES (1)");
            (await write.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("25006", "the pooled connection still points at the old primary");
        }

        await using var next = await factory.OpenConnectionAsync();
        (await Connect.ScalarAsync<int>(next, "SELECT inet_server_port()")).Should().Be(newPrimary.Port);
        await Connect.ScalarAsync<object>(next, "INSERT INTO t VALUES (2)");
    }

    [Fact]
    public async Task Opens_waiting_for_a_promotion_reuse_the_standbys_pooled_connections_instead_of_reconnecting()
    {
        // Each retry found the standby by a pooled connection that reports "standby". Clearing the pool on every such
        // find made every writer pay for a new connection at the moment of promotion (#13's missed bound).
        var logs = new CapturingLoggerProvider();
        await using var primary = await fixture.TestBed.StartServerAsync();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary);
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{primary.Username}:{primary.Password}@{standby.Host}:{standby.Port}/{primary.Database}?target_session_attrs=read-write&application_name=awaiting_promotion",
            new ConnectionFactoryOptions
            {
                Retry = new RetryPolicy { MaxAttempts = 10_000, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20), OverallTimeout = TimeSpan.FromSeconds(60) },
                LoggerFactory = logs,
            });
        const int Opens = 4;

        var opens = Enumerable.Range(0, Opens).Select(_ => factory.OpenConnectionAsync().AsTask()).ToArray();
        var retries = 0;
        for (var waited = 0; waited < 300 && retries < 5 * Opens; waited++)
        {
            await Task.Delay(100);
            retries = logs.Entries.Count(e => e.EventId.Id == PgSecureConnectEventId.RetryScheduled);
        }

        retries.Should().BeGreaterThanOrEqualTo(5 * Opens, "the opens keep finding the standby until it is promoted");
        await standby.PromoteAsync();
        var connections = await Task.WhenAll(opens);

        foreach (var connection in connections)
        {
            (await Connect.ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()")).Should().BeFalse();
            await connection.DisposeAsync();
        }

        logs.Entries.Count(e => e.EventId.Id == NpgsqlEventId.OpenedPhysicalConnection).Should().BeLessThanOrEqualTo(Opens,
            "each open's retries reuse the pooled connections to the standby, and after the promotion those connections are asked again and kept");
    }

    [Fact]
    public async Task Terminated_sessions_cost_one_failed_command_then_the_pool_is_fresh()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        await using var factory = ConnectionFactory.FromUrl(server.Url + "?application_name=terminated");
        var held = new List<NpgsqlConnection>();
        for (var i = 0; i < 4; i++)
        {
            held.Add(await factory.OpenConnectionAsync());
        }

        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        (await server.TerminateBackendsAsync("terminated")).Should().Be(4);
        await Task.Delay(100);

        await using (var dead = await factory.OpenConnectionAsync())
        {
            var use = () => Connect.ScalarAsync<int>(dead, "SELECT 1");
            (await use.Should().ThrowAsync<NpgsqlException>()).Which.Chain().OfType<PostgresException>().Select(p => p.SqlState).Should().Contain("57P01");
        }

        for (var i = 0; i < 4; i++)
        {
            await using var fresh = await factory.OpenConnectionAsync();
            (await Connect.ScalarAsync<int>(fresh, "SELECT 1")).Should().Be(1, "the whole pool of that server was cleared after the first 57P01, not just one connection");
        }
    }

    [Fact]
    public async Task Channel_binding_require_refuses_a_server_that_asks_for_md5()
    {
        var server = await fixture.GetSharedServerAsync();
        var md5 = $"postgresql://{server.Md5Username}:{server.Md5Password}@{server.Host}:{server.Port}/{server.Database}?sslmode=require";
        await using var without = ConnectionFactory.FromUrl(md5);
        await using var with = ConnectionFactory.FromUrl(md5 + "&channel_binding=require");
        await using var scram = ConnectionFactory.FromUrl(server.Url + "?sslmode=require&channel_binding=require");

        await using (var plain = await without.OpenConnectionAsync())
        {
            (await Connect.ScalarAsync<string>(plain, "SELECT current_user")).Should().Be(server.Md5Username);
        }

        var (exception, _) = await Connect.FailureOf(async () => await with.OpenConnectionAsync());
        var failure = exception.Should().BeOfType<ConnectionFailedException>().Subject;
        failure.Kind.Should().Be(ConnectionFailureKind.AuthenticationMethodRefused);
        failure.Attempts.Should().ContainSingle();

        await using var bound = await scram.OpenConnectionAsync();
        (await Connect.ScalarAsync<bool>(bound, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().BeTrue();
    }
}
