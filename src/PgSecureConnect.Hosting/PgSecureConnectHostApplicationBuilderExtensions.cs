using PgSecureConnect;
using PgSecureConnect.Hosting;
using PgSecureConnect.Hosting.Internal;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a PostgreSQL database with PgSecureConnect in an ASP.NET Core or Generic Host application: one call gives
/// <see cref="IConnectionFactory"/>, <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="System.Data.Common.DbDataSource"/>
/// singletons, a health check and OpenTelemetry tracing and metrics.
/// </summary>
public static class PgSecureConnectHostApplicationBuilderExtensions
{
    /// <summary>
    /// Registers the database <paramref name="name"/> as the unkeyed <see cref="IConnectionFactory"/>,
    /// <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="System.Data.Common.DbDataSource"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Settings are read through the application's configuration (appsettings, user secrets, environment, command
    /// line, in their usual order), with <c>.env</c> in the content root underneath: <c>ConnectionStrings:{name}</c>
    /// (a URL, libpq keyword/value or Npgsql connection string); otherwise, for <c>Default</c>, <c>DATABASE_URL</c>,
    /// <c>DB_*</c> and the libpq <c>PG*</c> variables, and for other names the upper-cased prefixed ones
    /// (<c>ORDERS_DATABASE_URL</c>, <c>ORDERS_DB_HOST</c>, ...). Options bind from the sections <c>PgSecureConnect</c>
    /// and <c>PgSecureConnect:{name}</c>, then <paramref name="configure"/> runs.
    /// </para>
    /// <para>
    /// Invalid settings or options fail the host when it starts with one <see cref="ConnectionConfigurationException"/>
    /// listing every problem; registering a name twice throws <see cref="InvalidOperationException"/> here.
    /// </para>
    /// </remarks>
    /// <param name="builder">The host application builder.</param>
    /// <param name="name">The database name: the connection string name and the configuration section.</param>
    /// <param name="configure">Changes the factory options after configuration was bound.</param>
    /// <param name="configureHosting">Changes the health check, telemetry and warm-up options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains <c>:</c>.</exception>
    /// <exception cref="InvalidOperationException">The name, or another unkeyed database, is already registered.</exception>
    public static IHostApplicationBuilder AddPgSecureConnect(this IHostApplicationBuilder builder, string name = HostingDefaults.DefaultName,
        Action<ConnectionFactoryOptions>? configure = null, Action<PgSecureConnectHostingOptions>? configureHosting = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PgSecureConnectServices.Add(builder.Services, name, keyed: false, configure, configureHosting,
            PgSecureConnectSectionReader.ReadRegistrationSwitches(builder.Configuration, name));
        return builder;
    }

    /// <summary>
    /// Registers the database <paramref name="name"/> as keyed services (key <paramref name="name"/>), for applications
    /// with several databases: <c>GetRequiredKeyedService&lt;IConnectionFactory&gt;("orders")</c> or
    /// <c>[FromKeyedServices("orders")] NpgsqlDataSource</c>. Settings and options are read as for
    /// <see cref="AddPgSecureConnect(IHostApplicationBuilder, string, Action{ConnectionFactoryOptions}?, Action{PgSecureConnectHostingOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The host application builder.</param>
    /// <param name="name">The database name and service key.</param>
    /// <param name="configure">Changes the factory options after configuration was bound.</param>
    /// <param name="configureHosting">Changes the health check, telemetry and warm-up options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains <c>:</c>.</exception>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static IHostApplicationBuilder AddKeyedPgSecureConnect(this IHostApplicationBuilder builder, string name,
        Action<ConnectionFactoryOptions>? configure = null, Action<PgSecureConnectHostingOptions>? configureHosting = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PgSecureConnectServices.Add(builder.Services, name, keyed: true, configure, configureHosting,
            PgSecureConnectSectionReader.ReadRegistrationSwitches(builder.Configuration, name));
        return builder;
    }
}
