using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// How a pass over the servers ends (a login error part way through stops it), how long the wait before the next pass
/// is (never past the overall deadline), and what a pooled connection of the wrong kind is worth on the fast path.
/// </summary>
public sealed class RetryingOpenPassTests : IAsyncDisposable
{
    private static RetryPolicy Sequential(int maxAttempts = 1)
        => new() { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, AttemptDelay = Timeout.InfiniteTimeSpan, OverallTimeout = Timeout.InfiniteTimeSpan };

    private static RetryPolicy Racing()
        => new() { MaxAttempts = 1, OverallTimeout = TimeSpan.FromMinutes(1) };

    private readonly TimerTrackingTimeProvider _time = new();
    private readonly RecordingLogger _logger = new();
    private readonly List<HostState> _hosts = [];
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly List<Socket> _sockets = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DataSource.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private ScriptedServer Server(ServerScript script)
    {
        var server = new ScriptedServer(script);
        _servers.Add(server);
        return server;
    }

    private int RefusedPort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sockets.Add(socket);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private FailoverConnectionOpener Opener(int[] ports, RetryPolicy retry, string parameters = "", double random = 0)
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://app@{string.Join(",", ports.Select(p => $"127.0.0.1:{p}"))}/db?sslmode=disable{parameters}");
        foreach (var server in settings.Servers)
        {
            _hosts.Add(new HostState(server, _ =>
            {
                var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(settings.ToNpgsqlConnectionStringBuilder().ConnectionString)
                {
                    Host = server.Host,
                    Port = server.Port,
                    Timeout = 2,
                    MaxPoolSize = 1,
                    TargetSessionAttributes = null,
                    LoadBalanceHosts = false,
                    Password = "pw",
                }.ConnectionString);
                ScriptedServer.WithoutTypeLoading(builder);
                return builder.Build();
            }));
        }

        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, _logger, () => random)
        {
            FactoryName = "retrying-pass-" + Guid.NewGuid().ToString("N"),
        };
    }

    private async Task<T> DriveAsync<T>(Task<T> open, TimeSpan step, int pendingTimersWhileWaiting)
    {
        var guard = Stopwatch.StartNew();
        var advanced = 0;
        while (!open.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_logger.Messages(PgSecureConnectEventId.RetryScheduled).Length > advanced && _time.PendingTimers >= pendingTimersWhileWaiting)
            {
                advanced++;
                _time.Advance(step);
            }

            await Task.Delay(5);
        }

        open.IsCompleted.Should().BeTrue("the fake clock drives every wait");
        return await open;
    }

    [Fact]
    public async Task A_login_error_part_way_through_a_pass_stops_it_before_the_next_server()
    {
        var refusing = Server(ServerScript.Refuse("28P01", "password authentication failed"));
        var spare = Server(ServerScript.Primary);
        var opener = Opener([RefusedPort(), refusing.Port, spare.Port], Sequential());

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(() => opener.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        failure.Kind.Should().Be(ConnectionFailureKind.Authentication);
        spare.Connections.Should().Be(0, "other servers would say the same");
    }

    [Fact]
    public async Task The_wait_before_the_next_pass_is_cut_to_what_is_left_of_the_overall_deadline()
    {
        var retry = new RetryPolicy
        {
            MaxAttempts = 2,
            BaseDelay = TimeSpan.FromMinutes(10),
            MaxDelay = TimeSpan.FromMinutes(10),
            AttemptDelay = Timeout.InfiniteTimeSpan,
            OverallTimeout = TimeSpan.FromSeconds(30),
        };
        var opener = Opener([RefusedPort()], retry, random: 1.0);

        await Assert.ThrowsAsync<ConnectionFailedException>(() => DriveAsync(opener.OpenAsync(CancellationToken.None).AsTask(), TimeSpan.FromSeconds(30), pendingTimersWhileWaiting: 2));

        _logger.Messages(PgSecureConnectEventId.RetryScheduled).Should().Equal("Waiting 30000 ms before attempt 2");
    }

    [Fact]
    public async Task A_pooled_connection_to_a_server_of_the_wrong_kind_does_not_serve_the_fast_path()
    {
        var primary = Server(ServerScript.Primary);
        var standby = Server(ServerScript.Standby);
        var any = Opener([primary.Port, standby.Port], Sequential());
        await using (var first = await any.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            first.Port.Should().Be(primary.Port);
        }

        // A second opener over the same servers, for standbys: the primary's pooled connection comes back at once.
        var settings = ConnectionSettings.FromUrl($"postgresql://app@127.0.0.1:{primary.Port},127.0.0.1:{standby.Port}/db?sslmode=disable&target_session_attrs=standby");
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        var forStandby = new FailoverConnectionOpener([.. _hosts], settings, Sequential(), _time, health, _logger, () => 0) { FactoryName = "retrying-pass-standby" };

        await using var connection = await forStandby.OpenAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(standby.Port, "a pooled connection to a primary does not satisfy target_session_attrs=standby");
        _hosts[0].Role.Should().Be(ServerRole.Primary);
    }
}
