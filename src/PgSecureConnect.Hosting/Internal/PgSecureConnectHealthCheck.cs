using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// The health of one database, server by server (<see cref="PgSecureConnectServerHealth"/> in the result's data, keyed
/// <c>host:port</c>): <c>Unhealthy</c> when no server of the kind <c>target_session_attrs</c> asks for answers,
/// <c>Degraded</c> when a server is down while another serves or a certificate expires within
/// <see cref="PgSecureConnectHostingOptions.CertificateExpiryWarning"/>. All servers are probed at once within
/// <see cref="PgSecureConnectHostingOptions.HealthCheckTimeout"/>; a result is reused for
/// <see cref="PgSecureConnectHostingOptions.HealthCheckCacheDuration"/> and concurrent checks share one probe, so
/// a busy health endpoint never stampedes the servers.
/// </summary>
internal sealed class PgSecureConnectHealthCheck(PgSecureConnectDatabase database, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // HealthCheckService creates a check per run: the shared probe and its time live with the database.
        var hosting = database.Hosting;
        var state = database.HealthProbe;
        Task<HealthCheckResult> task;
        lock (state)
        {
            var fresh = state.Current is { IsCompleted: true } && time.GetElapsedTime(state.CompletedAt) < hosting.HealthCheckCacheDuration;
            if (state.Current is null || (state.Current.IsCompleted && !fresh))
            {
                state.Current = ProbeAsync(hosting, state);
            }

            task = state.Current;
        }

        // The shared probe is bounded by its own timeout; a caller that gives up early only stops waiting.
        return WithFailureStatusAsync(task.WaitAsync(cancellationToken), context.Registration.FailureStatus);
    }

    /// <summary>"Unhealthy" becomes the registration's failure status (Degraded for an optional database, say).</summary>
    private static async Task<HealthCheckResult> WithFailureStatusAsync(Task<HealthCheckResult> probe, HealthStatus failureStatus)
    {
        var result = await probe.ConfigureAwait(false);
        return result.Status == HealthStatus.Unhealthy && failureStatus != HealthStatus.Unhealthy
            ? new HealthCheckResult(failureStatus, result.Description, result.Exception, result.Data)
            : result;
    }

    private async Task<HealthCheckResult> ProbeAsync(PgSecureConnectHostingOptions hosting, SharedProbe state)
    {
        await Task.Yield();
        try
        {
            return await RunAsync(database.Factory, hosting).ConfigureAwait(false);
        }
        finally
        {
            state.CompletedAt = time.GetTimestamp();
        }
    }

    private async Task<HealthCheckResult> RunAsync(IConnectionFactory factory, PgSecureConnectHostingOptions hosting)
    {
        using var timeout = new CancellationTokenSource(hosting.HealthCheckTimeout, time);
        var hosts = FactoryInternals.HostsOf(factory);
        var servers = await Task.WhenAll(hosts.Select(h => ServerProbe.CheckAsync(h, time, timeout.Token))).ConfigureAwait(false);

        var target = factory.Settings.TargetSessionAttributes ?? TargetSessionAttributes.Any;
        var serving = servers.Where(s => s.Reachable && (SessionTargetCheck.HasFallback(target) || SessionTargetCheck.Satisfies(RoleOf(s), target))).ToList();
        var down = servers.Where(s => !s.Reachable).ToList();
        var expiring = servers.Where(s => s.CertificateExpiresInDays is { } days && TimeSpan.FromDays(days) < hosting.CertificateExpiryWarning).ToList();
        var data = servers.ToDictionary(s => s.Server, s => (object)s, StringComparer.Ordinal);
        if (FactoryInternals.CredentialAgeOf(factory) is { } credentialAge)
        {
            // Rotating credentials: how long ago they were last read or fetched (never their values).
            data["credentials_age_seconds"] = Math.Round(credentialAge.TotalSeconds, 1);
        }

        var reasons = new List<string>();
        if (down.Count > 0)
        {
            reasons.Add($"{string.Join(", ", down.Select(s => $"{s.Server} is down ({s.Error})"))}");
        }

        foreach (var server in expiring)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"the certificate of {server.Server} expires in {server.CertificateExpiresInDays:0.#} days (warning at {hosting.CertificateExpiryWarning.TotalDays:0.#} days)"));
        }

        if (serving.Count == 0)
        {
            var kind = target == TargetSessionAttributes.Any ? "server" : $"server of the kind target_session_attrs={PgSecureConnect.Internal.LibpqNames.Name(target)} asks for";
            return new HealthCheckResult(HealthStatus.Unhealthy, $"No {kind} answers. {string.Join("; ", reasons)}".TrimEnd(' ', '.') + ".", data: data);
        }

        var summary = $"{serving.Count} of {servers.Length} server(s) serve ({string.Join(", ", serving.Select(s => $"{s.Server} {s.Role}"))})";
        return reasons.Count == 0
            ? new HealthCheckResult(HealthStatus.Healthy, summary + ".", data: data)
            : new HealthCheckResult(HealthStatus.Degraded, summary + "; " + string.Join("; ", reasons) + ".", data: data);
    }

    private static ServerRole RoleOf(PgSecureConnectServerHealth server) => server.Role switch
    {
        "primary" => ServerRole.Primary,
        "standby" => ServerRole.Standby,
        "read-only primary" => ServerRole.ReadOnlyPrimary,
        _ => ServerRole.Unknown,
    };

    /// <summary>The probe in flight or last completed, shared by every check of one database (lock the instance).</summary>
    internal sealed class SharedProbe
    {
        public Task<HealthCheckResult>? Current { get; set; }

        public long CompletedAt { get; set; }
    }
}
