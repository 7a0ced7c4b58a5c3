using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgSecureConnect.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds PgSecureConnect's health check by hand, for a database registered with <c>DisableHealthChecks</c> or under another name, status or tags.</summary>
public static class PgSecureConnectHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the health check of the database <paramref name="name"/>, which <c>AddPgSecureConnect</c> or
    /// <c>AddKeyedPgSecureConnect</c> must have registered first.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The registered database name.</param>
    /// <param name="healthCheckName">The check's name; <see langword="null"/> for <c>PgSecureConnect</c> or <c>PgSecureConnect_{name}</c>.</param>
    /// <param name="failureStatus">The status reported instead of <see cref="HealthStatus.Unhealthy"/>; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags for filtering endpoints.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">No database <paramref name="name"/> is registered.</exception>
    public static IHealthChecksBuilder AddPgSecureConnect(this IHealthChecksBuilder builder, string name = HostingDefaults.DefaultName,
        string? healthCheckName = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var registration = PgSecureConnectServices.Find(builder.Services, name)
            ?? throw new InvalidOperationException($"PgSecureConnect: no database '{name}' is registered; call AddPgSecureConnect(\"{name}\") or AddKeyedPgSecureConnect(\"{name}\") first.");
        return builder.Add(new HealthCheckRegistration(
            healthCheckName ?? registration.HealthCheckName,
            sp => PgSecureConnectServices.CreateHealthCheck(sp, registration),
            failureStatus,
            tags));
    }
}
