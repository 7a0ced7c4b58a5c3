namespace OpenTelemetry.Metrics;

/// <summary>Enables PgSecureConnect's metrics and Npgsql's in an OpenTelemetry meter provider.</summary>
public static class PgSecureConnectMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds the meters <c>PgSecureConnect</c> (<c>pgsecureconnect.open.attempts</c>, <c>pgsecureconnect.open.duration</c>,
    /// <c>pgsecureconnect.failovers</c>, <c>pgsecureconnect.servers.offline</c>,
    /// <c>pgsecureconnect.server.certificate.time_left</c>) and <c>Npgsql</c> (the <c>db.client.connection.*</c> pool
    /// metrics and <c>db.client.operation.duration</c>, each pool named after its server).
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddPgSecureConnectInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(PgSecureConnect.Hosting.PgSecureConnectTelemetry.Name, PgSecureConnect.Hosting.PgSecureConnectTelemetry.NpgsqlName);
    }
}
