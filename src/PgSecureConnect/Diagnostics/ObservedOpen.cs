using System.Diagnostics;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Diagnostics;

/// <summary>
/// An open while someone listens: measures the whole open, counts its successful attempt, and with
/// <see cref="ConnectionFactoryOptions.TraceEveryOpen"/> wraps every open in a span. Opens go through here only when
/// <see cref="PgSecureConnectDiagnostics.IsOpenObserved"/>, so the unobserved fast path stays untouched.
/// </summary>
internal static class ObservedOpen
{
    public static async ValueTask<NpgsqlConnection> OpenAsync(FailoverConnectionOpener opener, IReadOnlyList<HostState> hosts, bool traceEveryOpen, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = traceEveryOpen ? OpenInstrumentation.StartOpen(opener.FactoryName, time.GetUtcNow()) : null;
        NpgsqlConnection connection;
        try
        {
            connection = await opener.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            OpenInstrumentation.Failed(activity, e);
            OpenInstrumentation.Open(opener.FactoryName, Stopwatch.GetElapsedTime(started), e);
            throw;
        }

        Completed(opener, hosts, activity, connection, Stopwatch.GetElapsedTime(started));
        return connection;
    }

    public static NpgsqlConnection Open(FailoverConnectionOpener opener, IReadOnlyList<HostState> hosts, bool traceEveryOpen, TimeProvider time)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = traceEveryOpen ? OpenInstrumentation.StartOpen(opener.FactoryName, time.GetUtcNow()) : null;
        NpgsqlConnection connection;
        try
        {
            connection = opener.Open();
        }
        catch (Exception e)
        {
            OpenInstrumentation.Failed(activity, e);
            OpenInstrumentation.Open(opener.FactoryName, Stopwatch.GetElapsedTime(started), e);
            throw;
        }

        Completed(opener, hosts, activity, connection, Stopwatch.GetElapsedTime(started));
        return connection;
    }

    private static void Completed(FailoverConnectionOpener opener, IReadOnlyList<HostState> hosts, Activity? activity, NpgsqlConnection connection, TimeSpan elapsed)
    {
        if (HostOf(hosts, connection) is { } host)
        {
            OpenInstrumentation.AttemptSucceeded(opener.FactoryName, host);
            if (activity is not null && !activity.Events.Any())
            {
                // Served by the first attempt: the retry loop, which adds events, never ran.
                OpenInstrumentation.AttemptSucceeded(activity, host);
            }
        }

        OpenInstrumentation.Open(opener.FactoryName, elapsed, failure: null);
    }

    private static HostState? HostOf(IReadOnlyList<HostState> hosts, NpgsqlConnection connection)
    {
        var port = connection.Port;
        var name = connection.Host;
        foreach (var host in hosts)
        {
            if (host.Server.Port == port && string.Equals(host.Server.Host, name, StringComparison.OrdinalIgnoreCase))
            {
                return host;
            }
        }

        return hosts.Count == 1 ? hosts[0] : null;
    }
}
