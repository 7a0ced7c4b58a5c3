using System.Diagnostics;
using Npgsql;
using PgSecureConnect.Diagnostics;
using static PgSecureConnect.Diagnostics.PgSecureConnectDiagnostics;

namespace PgSecureConnect.Connecting;

/// <summary>
/// A factory's opens while someone listens: measures the whole open, counts its successful attempt, and with
/// <see cref="ConnectionFactoryOptions.TraceEveryOpen"/> wraps every open in a span. Opens go through here only when
/// <see cref="PgSecureConnectDiagnostics.IsOpenObserved"/>, so the unobserved fast path stays untouched; the tag sets
/// of the common case (a successful open) are built once per factory, so recording them allocates nothing.
/// </summary>
internal sealed class ObservedOpen
{
    private readonly FailoverConnectionOpener _opener;
    private readonly IReadOnlyList<HostState> _hosts;
    private readonly bool _traceEveryOpen;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?>[][] _successfulAttemptTags;
    private readonly KeyValuePair<string, object?>[] _successfulOpenTags;

    public ObservedOpen(FailoverConnectionOpener opener, IReadOnlyList<HostState> hosts, bool traceEveryOpen, TimeProvider time)
    {
        _opener = opener;
        _hosts = hosts;
        _traceEveryOpen = traceEveryOpen;
        _time = time;
        _successfulAttemptTags = hosts.Select(h =>
        {
            var tags = TelemetryTags.Server(opener.FactoryName, h);
            tags.Add(Outcome, "success");
            return tags.ToArray();
        }).ToArray();
        _successfulOpenTags = [new(DbSystemName, PostgreSql), new(FactoryName, opener.FactoryName), new(Outcome, "success")];
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_traceEveryOpen)
        {
            return OpenTracedAsync(cancellationToken);
        }

        var started = _time.GetTimestamp();
        var pending = _opener.OpenAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var connection = pending.Result;
            Completed(activity: null, connection, started);
            return new ValueTask<NpgsqlConnection>(connection);
        }

        return AwaitAsync(pending, started);
    }

    public NpgsqlConnection Open()
    {
        var started = _time.GetTimestamp();
        using var activity = _traceEveryOpen ? OpenInstrumentation.StartOpen(_opener.FactoryName, _time.GetUtcNow()) : null;
        NpgsqlConnection connection;
        try
        {
            connection = _opener.Open();
        }
        catch (Exception e)
        {
            Failed(activity, e, started);
            throw;
        }

        Completed(activity, connection, started);
        return connection;
    }

    private async ValueTask<NpgsqlConnection> AwaitAsync(ValueTask<NpgsqlConnection> pending, long started)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Failed(activity: null, e, started);
            throw;
        }

        Completed(activity: null, connection, started);
        return connection;
    }

    private async ValueTask<NpgsqlConnection> OpenTracedAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var activity = OpenInstrumentation.StartOpen(_opener.FactoryName, _time.GetUtcNow());
        NpgsqlConnection connection;
        try
        {
            connection = await _opener.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Failed(activity, e, started);
            throw;
        }

        Completed(activity, connection, started);
        return connection;
    }

    private void Failed(Activity? activity, Exception exception, long started)
    {
        OpenInstrumentation.Failed(activity, exception);
        OpenInstrumentation.Open(_opener.FactoryName, _time.GetElapsedTime(started), exception);
    }

    private void Completed(Activity? activity, NpgsqlConnection connection, long started)
    {
        var index = IndexOf(connection);
        if (index >= 0)
        {
            if (Attempts.Enabled)
            {
                Attempts.Add(1, _successfulAttemptTags[index]);
            }

            if (activity is not null && !activity.Events.Any())
            {
                // Served by the first attempt: the retry loop, which adds events, never ran.
                OpenInstrumentation.AttemptSucceeded(activity, _hosts[index]);
            }
        }

        if (OpenDuration.Enabled)
        {
            OpenDuration.Record(_time.GetElapsedTime(started).TotalSeconds, _successfulOpenTags);
        }
    }

    private int IndexOf(NpgsqlConnection connection)
    {
        var hosts = _hosts;
        if (hosts.Count == 1)
        {
            return 0;
        }

        var port = connection.Port;
        var name = connection.Host;
        for (var i = 0; i < hosts.Count; i++)
        {
            if (hosts[i].Server.Port == port && string.Equals(hosts[i].Server.Host, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
