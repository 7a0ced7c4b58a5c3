using PgSecureConnect;
using PgSecureConnect.Hosting;
using PgSecureConnect.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>AddPgSecureConnect</c> for applications without a host builder. The settings and options are read, as with
/// <c>IHostApplicationBuilder.AddPgSecureConnect</c>, from the <see cref="Microsoft.Extensions.Configuration.IConfiguration"/>
/// in the container when the factory is first needed; whether the health check and telemetry are registered is
/// decided by the <c>configureHosting</c> delegate alone, since no configuration exists yet.
/// </summary>
public static class PgSecureConnectServiceCollectionExtensions
{
    /// <summary>Registers the database <paramref name="name"/> as the unkeyed <see cref="IConnectionFactory"/>, <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="System.Data.Common.DbDataSource"/>.</summary>
    /// <param name="services">The service collection; it must hold an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/> when the factory is built.</param>
    /// <param name="name">The database name: the connection string name and the configuration section.</param>
    /// <param name="configure">Changes the factory options after configuration was bound.</param>
    /// <param name="configureHosting">Changes the health check, telemetry and warm-up options.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains <c>:</c>.</exception>
    /// <exception cref="InvalidOperationException">The name, or another unkeyed database, is already registered.</exception>
    public static IServiceCollection AddPgSecureConnect(this IServiceCollection services, string name = HostingDefaults.DefaultName,
        Action<ConnectionFactoryOptions>? configure = null, Action<PgSecureConnectHostingOptions>? configureHosting = null)
    {
        PgSecureConnectServices.Add(services, name, keyed: false, configure, configureHosting, new PgSecureConnectHostingOptions());
        return services;
    }

    /// <summary>Registers the database <paramref name="name"/> as keyed services (key <paramref name="name"/>).</summary>
    /// <param name="services">The service collection; it must hold an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/> when the factory is built.</param>
    /// <param name="name">The database name and service key.</param>
    /// <param name="configure">Changes the factory options after configuration was bound.</param>
    /// <param name="configureHosting">Changes the health check, telemetry and warm-up options.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains <c>:</c>.</exception>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static IServiceCollection AddKeyedPgSecureConnect(this IServiceCollection services, string name,
        Action<ConnectionFactoryOptions>? configure = null, Action<PgSecureConnectHostingOptions>? configureHosting = null)
    {
        PgSecureConnectServices.Add(services, name, keyed: true, configure, configureHosting, new PgSecureConnectHostingOptions());
        return services;
    }
}
