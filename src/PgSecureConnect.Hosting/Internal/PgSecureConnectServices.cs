using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>What every <c>AddPgSecureConnect</c> overload registers.</summary>
internal static class PgSecureConnectServices
{
    public static void Add(IServiceCollection services, string name, bool keyed, Action<ConnectionFactoryOptions>? configure,
        Action<PgSecureConnectHostingOptions>? configureHosting, PgSecureConnectHostingOptions switches)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The database name '{name}' contains ':', which separates configuration sections; use letters, digits, '-' or '_'.", nameof(name));
        }

        configureHosting?.Invoke(switches);
        var registration = new PgSecureConnectRegistration(name, keyed, configure, configureHosting);
        RegistryOf(services).Add(registration);

        services.AddKeyedSingleton(registration, (sp, _) => new PgSecureConnectDatabase(sp, registration));
        if (keyed)
        {
            services.AddKeyedSingleton<IConnectionFactory>(name, (sp, _) => sp.GetRequiredKeyedService<PgSecureConnectDatabase>(registration).Factory);
            services.AddKeyedSingleton<NpgsqlDataSource>(name, (sp, key) => sp.GetRequiredKeyedService<IConnectionFactory>(key).DataSource);
            services.AddKeyedSingleton<DbDataSource>(name, (sp, key) => sp.GetRequiredKeyedService<NpgsqlDataSource>(key));
        }
        else
        {
            services.AddSingleton<IConnectionFactory>(sp => sp.GetRequiredKeyedService<PgSecureConnectDatabase>(registration).Factory);
            services.AddSingleton<NpgsqlDataSource>(sp => sp.GetRequiredService<IConnectionFactory>().DataSource);
            services.AddSingleton<DbDataSource>(sp => sp.GetRequiredService<NpgsqlDataSource>());
        }

        if (!switches.DisableHealthChecks)
        {
            services.AddHealthChecks().Add(new HealthCheckRegistration(
                registration.HealthCheckName,
                sp => CreateHealthCheck(sp, registration),
                failureStatus: null,
                tags: switches.HealthCheckTags));
        }

        if (!switches.DisableTracing)
        {
            services.AddOpenTelemetry().WithTracing(tracing => tracing.AddPgSecureConnectInstrumentation());
        }

        if (!switches.DisableMetrics)
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPgSecureConnectInstrumentation());
        }
    }

    public static PgSecureConnectHealthCheck CreateHealthCheck(IServiceProvider services, PgSecureConnectRegistration registration)
        => new(services.GetRequiredKeyedService<PgSecureConnectDatabase>(registration), services.GetService<TimeProvider>() ?? TimeProvider.System);

    public static PgSecureConnectRegistration? Find(IServiceCollection services, string name)
        => (services.FirstOrDefault(d => d.ServiceType == typeof(PgSecureConnectRegistry) && !d.IsKeyedService)?.ImplementationInstance as PgSecureConnectRegistry)?
            .Registrations.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    private static PgSecureConnectRegistry RegistryOf(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(PgSecureConnectRegistry) && !d.IsKeyedService)?.ImplementationInstance is PgSecureConnectRegistry existing)
        {
            return existing;
        }

        var registry = new PgSecureConnectRegistry();
        services.AddSingleton(registry);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PgSecureConnectStartup>());
        return registry;
    }
}
