using Microsoft.Extensions.Logging;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Remembers servers that could not be reached and checks them again in the background, so no caller waits on a dead
/// server twice (Npgsql's own multi-host data source retries a dead host in the caller's open every
/// <c>Host Recheck Seconds</c>). A server that answers a background check is used again.
/// </summary>
/// <param name="timeProvider">The clock of the rechecks.</param>
/// <param name="recheckInterval">How long after a failure an offline server is checked again.</param>
/// <param name="probe">The check run for an offline server: throws when it is still unreachable (<see cref="HostProbe"/>).</param>
/// <param name="logger">Where going offline and coming back are logged.</param>
internal sealed class HostHealthMonitor(TimeProvider timeProvider, TimeSpan recheckInterval, Func<HostState, CancellationToken, Task> probe, ILogger logger) : IDisposable
{
    private readonly Dictionary<HostState, ITimer> _timers = [];
    private readonly Func<HostState, CancellationToken, Task> _probe = probe;
    private bool _disposed;

    public void ReportUnreachable(HostState host, ConnectionFailureKind kind)
    {
        if (!host.TryMarkOffline())
        {
            return;
        }

        Log.HostMarkedOffline(logger, host.Server.Host, host.Server.Port, kind, recheckInterval.TotalSeconds);
        Schedule(host);
    }

    public void ReportReachable(HostState host)
    {
        if (host.TryMarkOnline())
        {
            Log.HostBackOnline(logger, host.Server.Host, host.Server.Port);
        }
    }

    public void Dispose()
    {
        lock (_timers)
        {
            _disposed = true;
            foreach (var timer in _timers.Values)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }

    private void Schedule(HostState host)
    {
        lock (_timers)
        {
            if (_disposed)
            {
                return;
            }

            if (_timers.Remove(host, out var old))
            {
                old.Dispose();
            }

            _timers[host] = timeProvider.CreateTimer(static state => _ = ((Recheck)state!).RunAsync(), new Recheck(this, host), recheckInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private sealed class Recheck(HostHealthMonitor monitor, HostState host)
    {
        public async Task RunAsync()
        {
            if (monitor._disposed)
            {
                return;
            }

            try
            {
                await monitor._probe(host, CancellationToken.None).ConfigureAwait(false);
                monitor.ReportReachable(host);
            }
            catch (Exception e) when (TransientFailureClassifier.Classify(e).HostDown || e is OperationCanceledException)
            {
                monitor.Schedule(host);
            }
            catch (Exception)
            {
                // Reachable (it answered, if only to refuse the login): let callers see the real error.
                monitor.ReportReachable(host);
            }
        }
    }
}
