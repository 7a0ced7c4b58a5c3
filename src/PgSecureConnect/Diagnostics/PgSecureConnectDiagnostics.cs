using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace PgSecureConnect.Diagnostics;

/// <summary>
/// PgSecureConnect's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <see cref="Name"/>. Names follow
/// the OpenTelemetry database semantic conventions (https://opentelemetry.io/docs/specs/semconv/database/) where they
/// exist; what is ours is prefixed <c>pgsecureconnect.</c>. Npgsql's own pool metrics (<c>db.client.connection.*</c>
/// under the meter <c>Npgsql</c>) are not re-emitted: each server's data source is given a stable name instead. Every
/// recording method is guarded by <see cref="Instrument.Enabled"/> or <see cref="ActivitySource.HasListeners"/>, so
/// nothing is measured or allocated while nobody listens. No tag ever holds a password or a URL.
/// </summary>
internal static class PgSecureConnectDiagnostics
{
    public const string Name = "PgSecureConnect";

    public const string OpenActivityName = "PgSecureConnect.Open";

    private static readonly string? Version = typeof(PgSecureConnectDiagnostics).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Every attempt to open a connection to one server, by outcome and failure kind.</summary>
    public static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "pgsecureconnect.open.attempts", "{attempt}", "Attempts to open a connection to one server, by outcome (success, failure) and failure kind (error.type).");

    /// <summary>The whole open: every attempt, wait and the wait for a pooled connection.</summary>
    public static readonly Histogram<double> OpenDuration = Meter.CreateHistogram(
        "pgsecureconnect.open.duration", "s", "The time one open took, all attempts, retry delays and the wait for a pooled connection included.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Opens that ended on another server than their first attempt.</summary>
    public static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "pgsecureconnect.failovers", "{failover}", "Opens whose first attempt failed or found the wrong kind of server and that were served by another server.");

    /// <summary>Credentials read or fetched again (a secret file changed, the provider's interval, a refused login), by outcome.</summary>
    public static readonly Counter<long> CredentialRefreshes = Meter.CreateCounter<long>(
        "pgsecureconnect.credentials.refreshes", "{refresh}", "Times a factory's credentials were re-read or fetched again, by source (files, provider) and outcome (changed, unchanged, failed).");

    static PgSecureConnectDiagnostics()
    {
        Meter.CreateObservableUpDownCounter("pgsecureconnect.servers.offline", FactoryRegistry.ObserveOffline, "{server}",
            "Servers a factory currently skips because they could not be reached (1 per offline server, 0 otherwise).");
        Meter.CreateObservableGauge("pgsecureconnect.server.certificate.time_left", FactoryRegistry.ObserveCertificateTimeLeft, "s",
            "Time until the certificate the server presented in its last TLS handshake expires (negative once expired).");
    }

    /// <summary>Whether an open must be measured: any listener on the open-level instruments or the activity source.</summary>
    public static bool IsOpenObserved => OpenDuration.Enabled || Attempts.Enabled || Failovers.Enabled || Source.HasListeners();

    public const string DbSystemName = "db.system.name";
    public const string PostgreSql = "postgresql";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string PoolName = "db.client.connection.pool.name";
    public const string ErrorType = "error.type";
    public const string FactoryName = "pgsecureconnect.factory.name";
    public const string Outcome = "pgsecureconnect.outcome";
    public const string AttemptNumber = "pgsecureconnect.attempt";
    public const string Phase = "pgsecureconnect.phase";
    public const string AttemptDuration = "pgsecureconnect.attempt.duration";
    public const string CredentialSource = "pgsecureconnect.credentials.source";
}
