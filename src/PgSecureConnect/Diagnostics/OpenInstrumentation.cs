using System.Diagnostics;
using static PgSecureConnect.Diagnostics.PgSecureConnectDiagnostics;

namespace PgSecureConnect.Diagnostics;

/// <summary>
/// What the opener (<c>Connecting/FailoverConnectionOpener</c>) reports while it opens: one call per attempt, failover and open. Each
/// method first checks that something listens.
/// </summary>
internal static class OpenInstrumentation
{
    /// <summary>An attempt on one server failed (or found the wrong kind of server).</summary>
    public static void Attempt(string factoryName, IObservedServer host, int attempt, ConnectionFailureKind failure, ConnectionPhase phase, TimeSpan duration, Activity? activity)
    {
        if (Attempts.Enabled)
        {
            var tags = TelemetryTags.Server(factoryName, host);
            tags.Add(Outcome, "failure");
            tags.Add(ErrorType, TelemetryTags.ErrorTypeOf(failure));
            Attempts.Add(1, tags);
        }

        if (activity is { IsAllDataRequested: true })
        {
            var tags = new ActivityTagsCollection
            {
                { ServerAddress, host.Server.Host },
                { ServerPort, host.Server.Port },
                { AttemptNumber, attempt },
                { AttemptDuration, duration.TotalSeconds },
                { Outcome, "failure" },
                { Phase, TelemetryTags.PhaseName(phase) },
                { ErrorType, TelemetryTags.ErrorTypeOf(failure) },
            };

            activity.AddEvent(new ActivityEvent("pgsecureconnect.attempt", tags: tags));
        }
    }

    /// <summary>The open was served by another server than its first attempt.</summary>
    public static void Failover(string factoryName, IObservedServer to)
    {
        if (Failovers.Enabled)
        {
            Failovers.Add(1, TelemetryTags.Server(factoryName, to));
        }
    }

    /// <summary>A whole open ended; <paramref name="failure"/> is <see langword="null"/> on success.</summary>
    public static void Open(string factoryName, TimeSpan elapsed, Exception? failure)
    {
        if (OpenDuration.Enabled)
        {
            var tags = new TagList
            {
                { DbSystemName, PostgreSql },
                { FactoryName, factoryName },
                { Outcome, failure is null ? "success" : "failure" },
            };
            if (failure is not null)
            {
                tags.Add(ErrorType, failure is ConnectionFailedException failed ? TelemetryTags.ErrorTypeOf(failed.Kind) : failure.GetType().FullName);
            }

            OpenDuration.Record(elapsed.TotalSeconds, tags);
        }
    }

    /// <summary>Starts the span of one open (<paramref name="startTime"/> in the past when the open is already under way), or <see langword="null"/> when nobody samples it.</summary>
    public static Activity? StartOpen(string factoryName, DateTimeOffset startTime)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(OpenActivityName, ActivityKind.Internal, parentContext: default, tags: null, links: null, startTime: startTime);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DbSystemName, PostgreSql);
            activity.SetTag(FactoryName, factoryName);
        }

        return activity;
    }

    /// <summary>The span of this open when the caller's context already is one (every open traced), else <see langword="null"/>.</summary>
    public static Activity? CurrentOpen()
        => Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.OperationName == OpenActivityName ? current : null;

    /// <summary>The attempt that served the open, as a span event; the counter is recorded once per open by <c>Connecting/ObservedOpen</c>.</summary>
    public static void AttemptSucceeded(Activity? activity, IObservedServer host)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ServerAddress, host.Server.Host);
            activity.SetTag(ServerPort, host.Server.Port);
            activity.SetTag(PoolName, host.PoolName);
            activity.AddEvent(new ActivityEvent("pgsecureconnect.attempt", tags: new ActivityTagsCollection
            {
                { ServerAddress, host.Server.Host },
                { ServerPort, host.Server.Port },
                { Outcome, "success" },
            }));
        }
    }

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception is ConnectionFailedException failed ? TelemetryTags.ErrorTypeOf(failed.Kind) : exception.GetType().Name);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ErrorType, exception is ConnectionFailedException f ? TelemetryTags.ErrorTypeOf(f.Kind) : exception.GetType().FullName);
        }
    }
}
