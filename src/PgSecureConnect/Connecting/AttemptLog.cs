using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Every failed attempt of one open, reported as it happens (log, metrics, span) and kept for the
/// <see cref="ConnectionFailedException"/> that lists them all if the open gives up.
/// </summary>
internal sealed class AttemptLog(string factoryName, ILogger logger, Activity? activity)
{
    private readonly List<ConnectionAttempt> _failures = [];

    public int Count => _failures.Count;

    public void Record(HostState host, int attempt, TimeSpan started, TimeSpan duration, FailureClassification classification, Exception? exception, bool raced = false, System.Net.IPAddress? address = null)
    {
        _failures.Add(new ConnectionAttempt
        {
            Server = host.Server,
            Address = address,
            Attempt = attempt,
            Phase = classification.Phase,
            Kind = classification.Kind,
            Error = classification.Description,
            StartedAfter = started,
            Duration = duration,
            Exception = exception,
            Raced = raced,
        });
        OpenInstrumentation.Attempt(factoryName, host, attempt, classification.Kind, classification.Phase, duration, activity);
        Log.AttemptFailed(logger, HostAddresses.Describe(host.Server, address), host.Server.Port, attempt, classification.Phase, classification.Kind, (long)duration.TotalMilliseconds, classification.Description);
    }

    /// <summary>Reports the attempt that succeeded, after the failures before it.</summary>
    public void Succeeded(HostState host, TimeSpan elapsed)
    {
        if (_failures.Count > 0)
        {
            Log.ConnectedAfterFailures(logger, host.Server.Host, host.Server.Port, _failures.Count, (long)elapsed.TotalMilliseconds);
            if (_failures[0].Server != host.Server)
            {
                OpenInstrumentation.Failover(factoryName, host);
            }
        }

        OpenInstrumentation.AttemptSucceeded(activity, host);
    }

    /// <summary>The exception that ends the open: every attempt, how long it took, and why it stopped.</summary>
    public ConnectionFailedException GiveUp(string reason, TimeSpan elapsed)
    {
        Log.OpenFailed(logger, _failures.Count, (long)elapsed.TotalMilliseconds, reason);
        var exception = new ConnectionFailedException(_failures.ToArray(), elapsed, reason);
        OpenInstrumentation.Failed(activity, exception);
        return exception;
    }

    /// <summary>Why a kind of failure ends the open, for its reason line.</summary>
    public static string NotRetriedReason(ConnectionFailureKind kind) => kind switch
    {
        ConnectionFailureKind.Authentication => "an authentication failure",
        ConnectionFailureKind.AuthenticationMethodRefused => "a refused authentication method",
        ConnectionFailureKind.DatabaseNotFound => "a missing database",
        ConnectionFailureKind.PermissionDenied => "a missing privilege",
        ConnectionFailureKind.Certificate => "a certificate verification failure",
        ConnectionFailureKind.TlsUnavailable => "a server without the required TLS",
        ConnectionFailureKind.PoolExhausted => "an exhausted connection pool",
        _ => "this error",
    } + " is not retried";
}
