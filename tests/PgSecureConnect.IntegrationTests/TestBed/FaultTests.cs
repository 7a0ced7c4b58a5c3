using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

/// <summary>Each fault the test bed offers, with what a client really sees.</summary>
[Collection(TestBedCollection.Name)]
public sealed class FaultTests(TestBedFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(StopMode.Fast)]
    [InlineData(StopMode.Immediate)]
    public async Task Stopped_server_refuses_connections_and_restarts_on_the_same_port(StopMode mode)
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        var port = server.Port;
        await server.ExecuteScalarAsync<object>("CREATE TABLE survives AS SELECT 1 AS id");

        await server.StopAsync(mode);

        server.IsRunning.Should().BeFalse();
        server.ProcessId.Should().BeNull();
        await ShouldBeRefused(server);

        var stopwatch = Stopwatch.StartNew();
        await server.StartAsync();
        output.WriteLine($"Restart after {mode} stop: {stopwatch.Elapsed.TotalMilliseconds:0} ms");
        server.Port.Should().Be(port);
        (await Connect.QueryAsync<int>(Connect.To(server), "SELECT id FROM survives")).Should().Be(1);
    }

    [Fact]
    public async Task Fast_stop_disconnects_open_sessions_with_57P01()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        await using var connection = await Connect.OpenAsync(Connect.To(server));

        await server.StopAsync(StopMode.Fast);

        var (exception, _) = await Connect.FailureOf(() => Connect.ScalarAsync<int>(connection, "SELECT 1"));
        exception.Chain().OfType<PostgresException>().Should().ContainSingle().Which.SqlState.Should().Be(PostgresErrorCodes.AdminShutdown);
    }

    [Fact]
    public async Task Crashed_server_refuses_connections_and_recovers_on_restart()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        var postmaster = server.ProcessId!.Value;
        await using var open = await Connect.OpenAsync(Connect.To(server));
        var backend = await Connect.ScalarAsync<int>(open, "SELECT pg_backend_pid()");
        await Connect.ScalarAsync<object>(open, "CREATE TABLE committed AS SELECT 5 AS id");

        await server.CrashAsync();

        Processes.IsAlive(postmaster).Should().BeFalse();
        Processes.IsAlive(backend).Should().BeFalse("the crash kills the backends too");
        server.IsRunning.Should().BeFalse();
        await ShouldBeRefused(server);
        var (broken, _) = await Connect.FailureOf(() => Connect.ScalarAsync<int>(open, "SELECT 1"));
        broken.Should().BeAssignableTo<NpgsqlException>();

        await server.StartAsync();
        (await Connect.QueryAsync<int>(Connect.To(server), "SELECT id FROM committed")).Should().Be(5);
        File.ReadAllText(server.LogFilePath).Should().Contain("database system was interrupted");
    }

    [Fact]
    public async Task Frozen_server_accepts_tcp_but_never_answers_until_thawed()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        await using var open = await Connect.OpenAsync(Connect.To(server));

        server.Freeze();
        try
        {
            server.IsFrozen.Should().BeTrue();

            // The kernel completes the handshake (listen backlog) ...
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(server.Host, server.Port).WaitAsync(TimeSpan.FromSeconds(5));
                tcp.Connected.Should().BeTrue();
            }

            // ... but nobody answers the startup packet: the client's connect timeout fires.
            var builder = Connect.To(server);
            builder.Timeout = 2;
            var (exception, elapsed) = await Connect.FailureOf(() => Connect.OpenAsync(builder));
            output.WriteLine($"Open against the frozen server failed after {elapsed.TotalMilliseconds:0} ms: {exception.GetType().Name}: {exception.Message}");
            exception.Should().BeAssignableTo<NpgsqlException>();
            exception.Chain().Should().Contain(e => e is TimeoutException);
            elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.5)).And.BeLessThan(TimeSpan.FromSeconds(15));
        }
        finally
        {
            server.Thaw();
        }

        server.IsFrozen.Should().BeFalse();
        (await Connect.ScalarAsync<int>(open, "SELECT 1")).Should().Be(1, "a session opened before the freeze carries on after the thaw");
        (await Connect.QueryAsync<int>(Connect.To(server), "SELECT 2")).Should().Be(2);
    }

    [Fact]
    public async Task Command_on_a_frozen_server_times_out_and_breaks_the_connection()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        var builder = Connect.To(server);
        builder.CommandTimeout = 1;
        builder.CancellationTimeout = 500;
        builder.Timeout = 3;
        await using var connection = await Connect.OpenAsync(builder);

        server.Freeze();
        Exception exception;
        TimeSpan elapsed;
        try
        {
            (exception, elapsed) = await Connect.FailureOf(() => Connect.ScalarAsync<int>(connection, "SELECT 1"));
        }
        finally
        {
            server.Thaw();
        }

        // Measured with Npgsql 10: the command fails after CommandTimeout + Timeout (here 1 s + 3 s), not CommandTimeout +
        // CancellationTimeout: after the command timeout Npgsql sends a cancel request over a new connection, which the
        // kernel accepts but the frozen postmaster never reads, and that wait is bounded by the connect Timeout. Then it
        // breaks the connection. (With Timeout = 10 the same command took 11 s to fail.)
        output.WriteLine($"Command against the frozen server failed after {elapsed.TotalMilliseconds:0} ms: {exception.GetType().Name}: {exception.Message}; connection state {connection.State}");
        exception.Should().BeAssignableTo<NpgsqlException>();
        exception.Chain().Should().Contain(e => e is TimeoutException);
        elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(3.5)).And.BeLessThan(TimeSpan.FromSeconds(20));
        connection.State.Should().NotBe(System.Data.ConnectionState.Open);
    }

    [Fact]
    public async Task Terminated_session_fails_its_next_command_with_57P01()
    {
        var server = await fixture.GetSharedServerAsync();
        var victimBuilder = Connect.To(server);
        victimBuilder.ApplicationName = "terminate-me";
        await using var victim = await Connect.OpenAsync(victimBuilder);
        var bystanderBuilder = Connect.To(server);
        bystanderBuilder.ApplicationName = "leave-me-alone";
        await using var bystander = await Connect.OpenAsync(bystanderBuilder);

        var terminated = await server.TerminateBackendsAsync("terminate-me");

        terminated.Should().Be(1);
        var (exception, _) = await Connect.FailureOf(() => Connect.ScalarAsync<int>(victim, "SELECT 1"));
        exception.Chain().OfType<PostgresException>().Should().ContainSingle().Which.SqlState.Should().Be(PostgresErrorCodes.AdminShutdown);
        (await Connect.ScalarAsync<int>(bystander, "SELECT 1")).Should().Be(1);
    }

    [Fact]
    public async Task Terminating_all_sessions_spares_nothing_but_the_admin_session()
    {
        await using var server = await fixture.TestBed.StartServerAsync();
        await using var first = await Connect.OpenAsync(Connect.To(server));
        await using var second = await Connect.OpenAsync(Connect.To(server));

        (await server.TerminateBackendsAsync()).Should().Be(2);

        await Connect.FailureOf(() => Connect.ScalarAsync<int>(first, "SELECT 1"));
        await Connect.FailureOf(() => Connect.ScalarAsync<int>(second, "SELECT 1"));
        (await server.TerminateBackendsAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Refused_endpoint_refuses_at_once()
    {
        var server = await fixture.GetSharedServerAsync();
        using var refused = fixture.TestBed.CreateRefusedEndpoint();

        var (exception, elapsed) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(refused.Host, refused.Port, server)));

        exception.Chain().OfType<SocketException>().Should().ContainSingle().Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));

        // The port is held: nobody else can listen on it meanwhile.
        var listener = new TcpListener(System.Net.IPAddress.Loopback, refused.Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var bind = () => listener.Start();
        bind.Should().Throw<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.AddressAlreadyInUse);
        listener.Dispose();
    }

    [Fact]
    public async Task Black_hole_accepts_tcp_and_the_open_times_out()
    {
        var server = await fixture.GetSharedServerAsync();
        using var blackHole = fixture.TestBed.StartBlackHole();
        var builder = Connect.To(blackHole.Host, blackHole.Port, server);
        builder.Timeout = 1;

        var (exception, elapsed) = await Connect.FailureOf(() => Connect.OpenAsync(builder));

        output.WriteLine($"Open against the black hole failed after {elapsed.TotalMilliseconds:0} ms: {exception.GetType().Name}: {exception.Message}");
        exception.Should().BeAssignableTo<NpgsqlException>();
        exception.Chain().Should().Contain(e => e is TimeoutException);
        elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(0.8)).And.BeLessThan(TimeSpan.FromSeconds(10));
        blackHole.AcceptedConnections.Should().BeGreaterThanOrEqualTo(1);
    }

    private static async Task ShouldBeRefused(PostgresServer server)
    {
        var (exception, elapsed) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server)));
        exception.Chain().OfType<SocketException>().Should().ContainSingle().Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }
}
