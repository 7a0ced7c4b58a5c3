using System.Diagnostics;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

[Collection(TestBedCollection.Name)]
public sealed class ReplicationTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Synchronous_standby_streams_and_is_read_only()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        var stopwatch = Stopwatch.StartNew();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true, ApplicationName = "sync_one" });
        output.WriteLine($"Synchronous standby {standby} started and streaming in {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        (await primary.ExecuteScalarAsync<string>("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'sync_one'")).Should().Be("sync");
        (await primary.ExecuteScalarAsync<string>("SELECT state FROM pg_stat_replication WHERE application_name = 'sync_one'")).Should().Be("streaming");
        (await standby.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()")).Should().BeTrue();

        // A commit on the primary returns only once the synchronous standby has it; with remote_apply it is visible there at once.
        await using (var connection = await Connect.OpenAsync(Connect.To(primary)))
        {
            await using var command = new NpgsqlCommand(
                "SET synchronous_commit = remote_apply; CREATE TABLE replicated(id int); INSERT INTO replicated VALUES (42);",
                connection);
            await command.ExecuteNonQueryAsync();
        }

        (await standby.ExecuteScalarAsync<int>("SELECT id FROM replicated")).Should().Be(42);

        var (exception, _) = await Connect.FailureOf(() => standby.ExecuteScalarAsync<object>("INSERT INTO replicated VALUES (1)"));
        exception.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be(PostgresErrorCodes.ReadOnlySqlTransaction);
    }

    [Fact]
    public async Task Asynchronous_standby_receives_rows_inserted_on_the_primary()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        var stopwatch = Stopwatch.StartNew();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { ListenAddress = "127.0.0.3" });
        output.WriteLine($"Asynchronous standby {standby} started and streaming in {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        standby.Host.Should().Be("127.0.0.3");
        (await primary.ExecuteScalarAsync<string>($"SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby_{standby.Name}'")).Should().Be("async");

        await primary.ExecuteScalarAsync<object>("CREATE TABLE items AS SELECT 7 AS id");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long rows = 0;
        while (DateTime.UtcNow < deadline)
        {
            rows = await standby.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'items'");
            if (rows == 1)
            {
                break;
            }

            await Task.Delay(20);
        }

        rows.Should().Be(1);
        (await standby.ExecuteScalarAsync<int>("SELECT id FROM items")).Should().Be(7);

        // Clients reach the standby over TCP like any server, with TLS verified against its own listen address.
        var builder = Connect.To(standby, SslMode.VerifyFull, fixture.TestBed.Certificates.CaCertificatePath);
        (await Connect.QueryAsync<bool>(builder, "SELECT pg_is_in_recovery()")).Should().BeTrue();
    }

    [Fact]
    public async Task Promote_makes_the_standby_writable()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true });

        await primary.CrashAsync();
        var stopwatch = Stopwatch.StartNew();
        await standby.PromoteAsync();
        output.WriteLine($"Promotion took {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        (await standby.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()")).Should().BeFalse();
        await using var connection = await Connect.OpenAsync(Connect.To(standby));
        await using var command = new NpgsqlCommand("CREATE TABLE after_failover(id int); INSERT INTO after_failover VALUES (1); SELECT count(*) FROM after_failover", connection);
        (await command.ExecuteScalarAsync()).Should().Be(1L);
    }

    [Fact]
    public async Task A_crashed_primary_is_rebuilt_as_the_synchronous_standby_of_the_promoted_one_on_its_own_port_twice_over()
    {
        await using var first = await fixture.TestBed.StartServerAsync();
        await using var second = await fixture.TestBed.StartStandbyAsync(first, new StandbyOptions { Synchronous = true });
        await first.ExecuteScalarAsync<object>("CREATE TABLE rounds (round int)");
        var (firstPort, secondPort) = (first.Port, second.Port);

        // Round 1: first dies, second takes over, first follows it. Round 2: the other way round, back to the start, so
        // each server's synchronous_standby_names is set again after its data directory was replaced.
        var (primary, standby) = (first, second);
        for (var round = 1; round <= 2; round++)
        {
            await primary.CrashAsync();
            await standby.PromoteAsync();
            var stopwatch = Stopwatch.StartNew();
            await fixture.TestBed.RebuildAsStandbyAsync(primary, standby, new StandbyOptions { Synchronous = true });
            output.WriteLine($"Round {round}: {primary} rebuilt as the synchronous standby of {standby} in {stopwatch.Elapsed.TotalMilliseconds:0} ms");
            (primary, standby) = (standby, primary);

            (await standby.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()")).Should().BeTrue();
            (await primary.ExecuteScalarAsync<string>("SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'")).Should().Be("sync");
            (await primary.ExecuteScalarAsync<string>("SHOW synchronous_standby_names")).Should().Be($"FIRST 1 (\"standby_{standby.Name}\")");

            // A commit returns (the one synchronous standby confirms it) and is visible there at once with remote_apply.
            await using (var connection = await Connect.OpenAsync(Connect.To(primary)))
            {
                await using var command = new NpgsqlCommand($"SET synchronous_commit = remote_apply; INSERT INTO rounds VALUES ({round})", connection);
                await command.ExecuteNonQueryAsync();
            }

            (await standby.ExecuteScalarAsync<long>("SELECT count(*) FROM rounds")).Should().Be(round);
        }

        (first.Port, second.Port).Should().Be((firstPort, secondPort));
        (await first.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()")).Should().BeFalse();

        var running = await Connect.FailureOf(() => fixture.TestBed.RebuildAsStandbyAsync(first, second));
        running.Exception.Should().BeOfType<InvalidOperationException>();
    }
}
