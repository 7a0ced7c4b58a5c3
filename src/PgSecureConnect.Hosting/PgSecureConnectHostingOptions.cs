using PgSecureConnect.Hosting.Internal;

namespace PgSecureConnect.Hosting;

/// <summary>
/// What <c>AddPgSecureConnect</c> adds around the factory: the health check, telemetry and the start-up warm-up. Bound
/// from the configuration sections <c>PgSecureConnect</c> and <c>PgSecureConnect:{name}</c> (the latter winning), then
/// passed to the <c>configureHosting</c> delegate, whose changes win.
/// </summary>
public sealed class PgSecureConnectHostingOptions
{
    /// <summary>Whether the health check <c>PgSecureConnect</c> (or <c>PgSecureConnect_{name}</c>) is left out.</summary>
    /// <value>The default value is <see langword="false"/>: the health check is registered.</value>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Tags of the health check, for filtering endpoints (<c>MapHealthChecks("/ready", new() { Predicate = c => c.Tags.Contains("ready") })</c>).</summary>
    /// <value>The default value is empty.</value>
    public IList<string> HealthCheckTags { get; } = [];

    /// <summary>The longest a health check may take, all servers included; a server that has not answered by then is reported unreachable.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan HealthCheckTimeout { get; set; } = HostingDefaults.HealthCheckTimeout;

    /// <summary>How long a health result is reused: checks arriving meanwhile get it without touching the servers.</summary>
    /// <value>The default value is 2 seconds. <see cref="TimeSpan.Zero"/> probes on every check (concurrent checks still share one probe).</value>
    public TimeSpan HealthCheckCacheDuration { get; set; } = HostingDefaults.HealthCheckCacheDuration;

    /// <summary>A server certificate that expires within this time makes the health check <c>Degraded</c>.</summary>
    /// <value>The default value is 14 days.</value>
    public TimeSpan CertificateExpiryWarning { get; set; } = HostingDefaults.CertificateExpiryWarning;

    /// <summary>Whether the OpenTelemetry tracer is left without PgSecureConnect's and Npgsql's sources.</summary>
    /// <value>The default value is <see langword="false"/>: tracing is enabled (exporters are the application's choice).</value>
    public bool DisableTracing { get; set; }

    /// <summary>Whether the OpenTelemetry meter provider is left without PgSecureConnect's and Npgsql's meters.</summary>
    /// <value>The default value is <see langword="false"/>: metrics are enabled (exporters are the application's choice).</value>
    public bool DisableMetrics { get; set; }

    /// <summary>
    /// Whether the host, before it takes traffic, opens <c>MinPoolSize</c> connections (at least one) to every server
    /// so the first requests do not pay for TCP, TLS and authentication. Servers that do not answer are logged, not fatal.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool WarmUpOnStart { get; set; }
}
