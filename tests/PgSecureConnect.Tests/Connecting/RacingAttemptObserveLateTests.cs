using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A race loser that was stopped once its own connect timeout had (almost) run out, and whose open then ends without a
/// connection, is the server's own failure: it is marked unreachable, as it would have been without the race.
/// </summary>
public sealed class RacingAttemptObserveLateTests : IAsyncDisposable
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
        return new FailoverConnectionOpener([.. _hosts], settings, retry, _time, health, _logger, () => 0)
        {
            FactoryName = "observe-late-" + Guid.NewGuid().ToString("N"),
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
    public async Task A_race_loser_stopped_at_nine_tenths_of_its_connect_timeout_whose_open_then_fails_is_marked_unreachable()
    {
        var firstAnswer = new TaskCompletionSource();
        var secondAnswer = new TaskCompletionSource();
        var slow = Server(ServerScript.Primary with { Hold = firstAnswer.Task });
        var later = Server(ServerScript.Primary with { Hold = secondAnswer.Task });
        var retry = new RetryPolicy { MaxAttempts = 1, ConnectTimeout = TimeSpan.FromSeconds(10), OverallTimeout = TimeSpan.FromMinutes(1) };
        var opener = Opener([slow.Port, later.Port], retry);

        var open = opener.OpenAsync(CancellationToken.None).AsTask();
        await WaitForAsync(() => _time.PendingTimers >= 3, "the attempt delay");
        _time.Advance(TimeSpan.FromMilliseconds(250));
        await WaitForAsync(() => later.Connections == 1, "the second server to be raced");

        // Exactly nine tenths of the first attempt's 10 s connect timeout: the second server answers and wins.
        _time.Advance(TimeSpan.FromMilliseconds(8750));
        secondAnswer.SetResult();
        await using var connection = await open.WaitAsync(TimeSpan.FromSeconds(30));
        connection.Port.Should().Be(later.Port);
        _hosts[0].IsOffline.Should().BeFalse("its cancelled open has not ended yet");

        // The cancelled open ends without a connection at its next step.
        firstAnswer.SetResult();
        await WaitForAsync(() => slow.Ended == 1, "the cancelled open to end");
        await WaitForAsync(() => _hosts[0].IsOffline, "the loser to be marked unreachable: its open ran for nine tenths of its connect timeout");
        _hosts[1].IsOffline.Should().BeFalse();
    }
}
