using System.Diagnostics;
using Npgsql;
using PgSecureConnect.ContainerTests.Infrastructure;
using Testcontainers.PostgreSql;
using Xunit.Abstractions;

namespace PgSecureConnect.ContainerTests.Connecting;

/// <summary>
/// Failover across a primary and its streaming standby in two containers, reached at their published ports:
/// a paused container (a black hole: TCP connects, the server never answers), a stopped one (refused), and promotion.
/// The tests run in declaration order: the last one stops the primary for good.
/// </summary>
[Collection(ReplicationCollection.Name)]
[TestCaseOrderer(DeclarationOrderer.TypeName, DeclarationOrderer.AssemblyName)]
public sealed class ContainerFailoverTests(ReplicationFixture fixture, ITestOutputHelper output)
{
    private static int PortOf(PostgreSqlContainer container) => container.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort);

    private static string Url(string hosts, string query = "") =>
        $"postgresql://{Containers.Username}:{Uri.EscapeDataString(Containers.Password)}@{hosts}/{Containers.Database}" + (query.Length > 0 ? "?" + query : string.Empty);

    private string Primary => $"127.0.0.1:{PortOf(fixture.Primary)}";

    private string Standby => $"127.0.0.1:{PortOf(fixture.Standby)}";

    [Fact]
    public async Task The_standby_streams_from_the_primary_and_target_session_attrs_choose_by_role()
    {
        output.WriteLine($"primary started in {fixture.PrimaryStartupTime.TotalSeconds:F1} s, standby (base backup included) in {fixture.StandbyStartupTime.TotalSeconds:F1} s");
        await using var readWrite = ConnectionFactory.FromUrl(Url($"{Standby},{Primary}", "target_session_attrs=read-write"));
        await using var standby = ConnectionFactory.FromUrl(Url($"{Primary},{Standby}", "target_session_attrs=standby"));
        var marker = Guid.NewGuid().ToString("N");

        await using (var connection = await readWrite.OpenConnectionAsync())
        {
            connection.Port.Should().Be(PortOf(fixture.Primary));
            (await Containers.ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()")).Should().BeFalse();
            await Containers.ScalarAsync<int>(connection, $"CREATE TABLE IF NOT EXISTS replicated (marker text); INSERT INTO replicated VALUES ('{marker}'); SELECT 1");
        }

        await using var onStandby = await standby.OpenConnectionAsync();
        onStandby.Port.Should().Be(PortOf(fixture.Standby));
        (await Containers.ScalarAsync<bool>(onStandby, "SELECT pg_is_in_recovery()")).Should().BeTrue();
        var stopwatch = Stopwatch.StartNew();
        while (await Containers.ScalarAsync<long>(onStandby, $"SELECT count(*) FROM pg_class WHERE relname = 'replicated'") == 0
            || await Containers.ScalarAsync<long>(onStandby, $"SELECT count(*) FROM replicated WHERE marker = '{marker}'") == 0)
        {
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the row written on the primary reaches the standby by streaming replication");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_paused_primary_is_a_black_hole_that_the_factory_races_past_to_the_standby_or_with_racing_off_leaves_after_its_connect_timeout()
    {
        var connectTimeout = TimeSpan.FromSeconds(4);
        var options = new ConnectionFactoryOptions { Retry = new RetryPolicy { ConnectTimeout = connectTimeout, MaxAttempts = 1 } };
        var noRacing = new ConnectionFactoryOptions { Retry = new RetryPolicy { ConnectTimeout = connectTimeout, MaxAttempts = 1, AttemptDelay = Timeout.InfiniteTimeSpan } };
        var primary = Primary;
        var standby = Standby;
        await using var both = ConnectionFactory.FromUrl(Url($"{primary},{standby}"), options);
        await using var bothWithoutRacing = ConnectionFactory.FromUrl(Url($"{primary},{standby}"), noRacing);
        await using var primaryOnly = ConnectionFactory.FromUrl(Url(primary), options);

        await fixture.Primary.PauseAsync();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await using (var connection = await both.OpenConnectionAsync())
            {
                stopwatch.Elapsed.Should().BeGreaterThan(options.Retry.AttemptDelay * 0.9, "the paused primary is given the attempt delay before the standby starts alongside it")
                    .And.BeLessThan(connectTimeout, "the standby wins the race long before the paused primary's connect timeout");
                connection.Port.Should().Be(PortOf(fixture.Standby));
                (await Containers.ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()")).Should().BeTrue();
            }

            stopwatch.Restart();
            await using (var connection = await bothWithoutRacing.OpenConnectionAsync())
            {
                stopwatch.Elapsed.Should().BeGreaterThan(connectTimeout * 0.9, "without racing the paused primary is given its whole connect timeout first")
                    .And.BeLessThan(connectTimeout + TimeSpan.FromSeconds(15), "generous: a shared, slow machine");
                connection.Port.Should().Be(PortOf(fixture.Standby));
            }

            var (exception, elapsed) = await Containers.FailureOf(async () => await primaryOnly.OpenConnectionAsync());
            var failure = exception.Should().BeOfType<ConnectionFailedException>().Subject;
            failure.Kind.Should().Be(ConnectionFailureKind.Timeout);
            failure.Attempts.Should().ContainSingle().Which.Server.Should().Be(new ServerEndpoint("127.0.0.1", PortOf(fixture.Primary)));
            elapsed.Should().BeLessThan(connectTimeout + TimeSpan.FromSeconds(15));
        }
        finally
        {
            await fixture.Primary.UnpauseAsync();
        }

        (await Containers.QueryAsync<bool>(Containers.AdminConnectionString(fixture.Primary), "SELECT pg_is_in_recovery()")).Should().BeFalse("unpaused, the primary answers again");
    }

    [Fact]
    public async Task A_stopped_primary_is_refused_until_the_standby_is_promoted_then_the_same_factory_writes_there()
    {
        var primaryPort = PortOf(fixture.Primary);
        var standbyPort = PortOf(fixture.Standby);
        await using var factory = ConnectionFactory.FromUrl(Url($"127.0.0.1:{primaryPort},127.0.0.1:{standbyPort}", "target_session_attrs=read-write"),
            new ConnectionFactoryOptions { Retry = new RetryPolicy { MaxAttempts = 1, HostRecheckInterval = TimeSpan.FromMilliseconds(100) } });

        await fixture.Primary.StopAsync();

        var (exception, _) = await Containers.FailureOf(async () => await factory.OpenConnectionAsync());
        var failure = exception.Should().BeOfType<ConnectionFailedException>().Subject;
        foreach (var attempt in failure.Attempts)
        {
            output.WriteLine(attempt.ToString());
        }

        failure.Attempts.Should().Contain(a => a.Server.Port == primaryPort && a.Kind == ConnectionFailureKind.Unreachable && a.Error == "connection refused");
        failure.Attempts.Should().Contain(a => a.Server.Port == standbyPort && a.Kind == ConnectionFailureKind.WrongServerRole && a.Phase == ConnectionPhase.SessionCheck);

        var standbyAdmin = new NpgsqlConnectionStringBuilder(Containers.AdminConnectionString(fixture.Standby)) { CommandTimeout = 120 }.ConnectionString;
        (await Containers.QueryAsync<bool>(standbyAdmin, "SELECT pg_promote(wait => true, wait_seconds => 90)")).Should().BeTrue();

        await Task.Delay(TimeSpan.FromMilliseconds(200)); // past HostRecheckInterval: the standby's role is checked anew
        await using var connection = await factory.OpenConnectionAsync();
        connection.Port.Should().Be(standbyPort);
        (await Containers.ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()")).Should().BeFalse();
        (await Containers.ScalarAsync<int>(connection, "CREATE TABLE after_promotion (id int); INSERT INTO after_promotion VALUES (1); SELECT count(*)::int FROM after_promotion")).Should().Be(1);
    }
}
