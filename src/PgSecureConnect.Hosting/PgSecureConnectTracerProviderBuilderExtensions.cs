namespace OpenTelemetry.Trace;

/// <summary>Enables PgSecureConnect's spans and Npgsql's in an OpenTelemetry tracer.</summary>
public static class PgSecureConnectTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds the activity sources <c>PgSecureConnect</c> (a span <c>PgSecureConnect.Open</c> for every open that needed
    /// more than one attempt, or every open with <c>TraceEveryOpen</c>, with an event per attempt) and <c>Npgsql</c>
    /// (commands).
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddPgSecureConnectInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(PgSecureConnect.Hosting.PgSecureConnectTelemetry.Name, PgSecureConnect.Hosting.PgSecureConnectTelemetry.NpgsqlName);
    }
}
