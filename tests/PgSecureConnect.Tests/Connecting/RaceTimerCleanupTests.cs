using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A race that ends leaves no timer behind on the open's clock: the attempt delay still pending, the winner's and the
/// losers' own connect timeouts are all released.
/// </summary>
public sealed class RaceTimerCleanupTests : IAsyncDisposable
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

    /// <summary>A loopback port that accepts connections and never answers.</summary>
    private int BlackHolePort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        _sockets.Add(socket);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private FailoverConnectionOpener Opener(int[] ports, RetryPolicy retry, string parameters = "")
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
                    Timeout = 60,
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
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, _logger, () => 0)
        {
            FactoryName = "race-timers-" + Guid.NewGuid().ToString("N"),
        };
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var guard = Stopwatch.StartNew();
        while (!condition())
        {
            guard.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), what);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_race_that_was_won_leaves_no_timer_pending()
    {
        var silent = BlackHolePort();
        var primary = Server(ServerScript.Primary);
        var third = Server(ServerScript.Primary);
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = Opener([silent, primary.Port, third.Port], retry);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        await WaitForAsync(() => _time.PendingTimers >= 3, "the deadline, the first attempt's limit and the attempt delay");
        _time.Advance(TimeSpan.FromMilliseconds(250));
        await using var connection = await open.WaitAsync(TimeSpan.FromSeconds(30));

        connection.Port.Should().Be(primary.Port);
        third.Connections.Should().Be(0);
        _time.PendingTimers.Should().Be(0, "the next attempt delay, the winner's and the loser's connect timeouts were released with the race");
    }
}
