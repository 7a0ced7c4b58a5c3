using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A connection the open does not hand out (a server of the wrong kind, a role query that failed, a prefer-standby
/// fallback left over when the open fails) goes back to its pool. Every server's pool holds one connection, so a
/// connection that was not given back makes the next open on that server wait for the pool and fail.
/// </summary>
public sealed class RetryingOpenConnectionReturnTests() : ScriptedOpenerTestBed(connectTimeoutSeconds: 2)
{
    /// <summary>The one connection of the server's pool can be taken: the open gave back what it took.</summary>
    private async Task PoolOfIsFreeAsync(int host)
    {
        var watch = Stopwatch.StartNew();
        var take = async () =>
        {
            await using var again = await Hosts[host].DataSource.OpenConnectionAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        };

        await take.Should().NotThrowAsync("the connection the open did not hand out went back to the pool of one");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_connection_to_a_server_of_the_wrong_kind_goes_back_to_its_pool()
    {
        var standby = Server(ServerScript.Standby);
        var primary = Server(ServerScript.Primary);
        var opener = Opener([standby.Port, primary.Port], Sequential(), "&target_session_attrs=read-write");

        await using (var connection = await opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            connection.Port.Should().Be(primary.Port);
        }

        await PoolOfIsFreeAsync(0);
    }

    [Fact]
    public async Task A_synchronous_open_gives_a_connection_to_a_server_of_the_wrong_kind_back_to_its_pool()
    {
        var standby = Server(ServerScript.Standby);
        var primary = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), standby.Port, primary.Port], Sequential(), "&target_session_attrs=read-write");

        using (var connection = await Task.Run(opener.Open).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            connection.Port.Should().Be(primary.Port);
        }

        await PoolOfIsFreeAsync(1);
    }

    [Fact]
    public async Task A_connection_whose_role_query_failed_goes_back_to_its_pool()
    {
        var failing = Server(new ServerScript(ReportedRole: null, QuerySqlState: "42501"));
        var primary = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), failing.Port, primary.Port], Sequential(), "&target_session_attrs=read-write");

        // A role query refused with an ordinary error leaves the connection sound: whatever the open decides, the connection goes back.
        try
        {
            await using var connection = await opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (ConnectionFailedException)
        {
        }

failing.RoleQueries.Should().Be(1);
        await PoolOfIsFreeAsync(1);
    }

    [Fact]
    public async Task A_racing_connection_whose_role_query_failed_goes_back_to_its_pool()
    {
        var failing = Server(new ServerScript(ReportedRole: null, QuerySqlState: "42501"));
        var primary = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), failing.Port, primary.Port], Racing(), "&target_session_attrs=read-write");

        // A role query refused with an ordinary error leaves the connection sound: whatever the open decides, the connection goes back.
        try
        {
            await using var connection = await opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (ConnectionFailedException)
        {
        }

failing.RoleQueries.Should().Be(1);
        await PoolOfIsFreeAsync(1);
    }

    [Fact]
    public async Task A_prefer_standby_fallback_left_over_when_the_open_fails_goes_back_to_its_pool()
    {
        var primary = Server(ServerScript.Primary);
        var refusing = Server(ServerScript.Refuse("28P01", "password authentication failed"));
        var opener = Opener([primary.Port, refusing.Port], Sequential(maxAttempts: 3), "&target_session_attrs=prefer-standby");

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(() => opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        failure.Kind.Should().Be(ConnectionFailureKind.Authentication);
        await PoolOfIsFreeAsync(0);
    }

    [Fact]
    public async Task A_racing_open_with_no_target_does_not_ask_a_server_its_role()
    {
        var old = Server(new ServerScript(ReportedRole: null, QueriedRole: ServerRole.Primary));
        var opener = Opener([RefusedPort(), old.Port], Racing());

        await using var connection = await opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(old.Port);
        old.RoleQueries.Should().Be(0, "any server serves: no round trip to ask what it is");
    }

    [Fact]
    public async Task A_racing_attempt_on_a_server_that_reports_a_fitting_role_does_not_ask_it()
    {
        var primary = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), primary.Port], Racing(), "&target_session_attrs=read-write");

        await using var connection = await opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(primary.Port);
        primary.RoleQueries.Should().Be(0, "the role it reported fits");
    }
}
