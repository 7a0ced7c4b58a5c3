using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// What the opener tests share: servers on loopback sockets that refuse (a bound, non-listening socket), never answer
/// (a listener that stays silent) or answer as scripted (<see cref="ScriptedServer"/>); an opener over them whose data
/// sources hold at most one connection each (so a connection not given back makes the next open on that server fail);
/// the opener's timers on a fake clock.
/// </summary>
public abstract class ScriptedOpenerTestBed(int connectTimeoutSeconds = 60) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly List<Socket> _sockets = [];

    private protected TimerTrackingTimeProvider Time { get; } = new();

    private protected RecordingLogger Logger { get; } = new();

    private protected List<HostState> Hosts { get; } = [];

    /// <summary>Servers one after another (no racing), no waiting between passes, no deadline.</summary>
    private protected static RetryPolicy Sequential(int maxAttempts = 1)
        => new() { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, AttemptDelay = Timeout.InfiniteTimeSpan, OverallTimeout = Timeout.InfiniteTimeSpan };

    /// <summary>One pass with the default attempt delay (racing on), within a minute.</summary>
    private protected static RetryPolicy Racing()
        => new() { MaxAttempts = 1, OverallTimeout = TimeSpan.FromMinutes(1) };

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
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

        GC.SuppressFinalize(this);
    }

    private protected ScriptedServer Server(ServerScript script)
    {
        var server = new ScriptedServer(script);
        _servers.Add(server);
        return server;
    }

    /// <summary>A loopback port that refuses connections.</summary>
    private protected int RefusedPort() => Port(listen: false);

    /// <summary>A loopback port that accepts connections and never answers.</summary>
    private protected int BlackHolePort() => Port(listen: true);

    private int Port(bool listen)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        if (listen)
        {
            socket.Listen();
        }

        _sockets.Add(socket);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private protected FailoverConnectionOpener Opener(int[] ports, RetryPolicy retry, string parameters = "", double random = 0)
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://app@{string.Join(",", ports.Select(p => $"127.0.0.1:{p}"))}/db?sslmode=disable{parameters}");
        foreach (var server in settings.Servers)
        {
            Hosts.Add(new HostState(server, _ =>
            {
                var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(settings.ToNpgsqlConnectionStringBuilder().ConnectionString)
                {
                    Host = server.Host,
                    Port = server.Port,
                    Timeout = connectTimeoutSeconds,
                    MaxPoolSize = 1,
                    TargetSessionAttributes = null,
                    LoadBalanceHosts = false,
                    Password = "pw",
                }.ConnectionString);
                ScriptedServer.WithoutTypeLoading(builder);
                return builder.Build();
            }));
        }

        // Host rechecks run on the real clock an hour away, so the fake clock only carries the opener's own timers.
        var health = new HostHealthMonitor(TimeProvider.System, TimeSpan.FromHours(1), HostProbe.WithTimeout(TimeSpan.FromSeconds(5)), NullLogger.Instance);
        return new FailoverConnectionOpener([.. Hosts], settings, retry, Time, health, Logger, () => random)
        {
            FactoryName = GetType().Name + "-" + Guid.NewGuid().ToString("N"),
        };
    }

    private protected static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var guard = Stopwatch.StartNew();
        while (!condition())
        {
            guard.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), what);
            await Task.Delay(5);
        }
    }

    /// <summary>Runs an open, moving the fake clock on by <paramref name="step"/> each time the opener waits on a retry.</summary>
    private protected async Task<T> DriveAsync<T>(Task<T> open, TimeSpan step, int pendingTimersWhileWaiting)
    {
        var guard = Stopwatch.StartNew();
        var advanced = 0;
        while (!open.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (Logger.Messages(PgSecureConnectEventId.RetryScheduled).Length > advanced && Time.PendingTimers >= pendingTimersWhileWaiting)
            {
                advanced++;
                Time.Advance(step);
            }

            await Task.Delay(5);
        }

        open.IsCompleted.Should().BeTrue("the fake clock drives every wait");
        return await open;
    }
}
