using System.Net;
using System.Net.Sockets;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The background check of an offline server: an open within the connect timeout, closed again, that also learns the server's role.</summary>
public sealed class HostProbeTests : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        _socket.Dispose();
    }

    private (ScriptedServer Server, HostState Host) Serve(ServerScript script)
    {
        var server = new ScriptedServer(script);
        _disposables.Add(server);
        return (server, Host(server.Port));
    }

    private HostState Host(int port)
    {
        var dataSource = ScriptedServer.DataSource(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "u", SslMode = SslMode.Disable, Timeout = 30 });
        _disposables.Add(dataSource);
        return new HostState(new ServerEndpoint("127.0.0.1", port), _ => dataSource);
    }

    [Fact]
    public async Task A_server_that_answers_passes_and_its_reported_role_is_remembered()
    {
        var (server, host) = Serve(ServerScript.Standby);

        await HostProbe.WithTimeout(TimeSpan.FromSeconds(20))(host, CancellationToken.None);

        host.Role.Should().Be(ServerRole.Standby);
        server.RoleQueries.Should().Be(0, "the check costs no query");
    }

    [Fact]
    public async Task A_server_that_reports_no_role_keeps_the_role_last_seen()
    {
        var (_, host) = Serve(new ServerScript(ReportedRole: null));
        host.Role = ServerRole.Primary;

        await HostProbe.WithTimeout(TimeSpan.FromSeconds(20))(host, CancellationToken.None);

        host.Role.Should().Be(ServerRole.Primary);
    }

    [Fact]
    public async Task The_checks_connection_goes_back_to_its_pool()
    {
        var (server, host) = Serve(ServerScript.Primary);

        await HostProbe.WithTimeout(TimeSpan.FromSeconds(20))(host, CancellationToken.None);
        await using var next = await host.DataSource.OpenConnectionAsync();

        server.Connections.Should().Be(1, "the next open reuses the check's connection");
    }

    [Fact]
    public async Task A_refusing_server_fails_the_check_as_unreachable()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var host = Host(((IPEndPoint)_socket.LocalEndPoint!).Port);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => HostProbe.WithTimeout(TimeSpan.FromSeconds(20))(host, CancellationToken.None));

        TransientFailureClassifier.Classify(failure).HostDown.Should().BeTrue();
    }

    [Fact]
    public async Task A_silent_server_fails_the_check_within_the_connect_timeout_not_Npgsqls()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen();
        var host = Host(((IPEndPoint)_socket.LocalEndPoint!).Port);

        var check = HostProbe.WithTimeout(TimeSpan.FromMilliseconds(50))(host, CancellationToken.None);

        await FluentActions.Awaiting(() => check.WaitAsync(TimeSpan.FromSeconds(20))).Should().ThrowAsync<OperationCanceledException>("Npgsql's own timeout is 30 s");
    }

    [Fact]
    public async Task A_check_without_a_connect_timeout_ends_with_its_token()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen();
        var host = Host(((IPEndPoint)_socket.LocalEndPoint!).Port);
        using var stop = new CancellationTokenSource();

        var check = HostProbe.WithTimeout(Timeout.InfiniteTimeSpan)(host, stop.Token);
        await stop.CancelAsync();

        await FluentActions.Awaiting(() => check.WaitAsync(TimeSpan.FromSeconds(20))).Should().ThrowAsync<OperationCanceledException>();
    }
}
