namespace PgSecureConnect.Hosting;

/// <summary>The names to subscribe to when wiring telemetry by hand (<c>AddSource</c>, <c>AddMeter</c>, a <c>MeterListener</c>).</summary>
public static class PgSecureConnectTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/> name of PgSecureConnect: <c>PgSecureConnect</c>.</summary>
    public const string Name = PgSecureConnect.Diagnostics.PgSecureConnectDiagnostics.Name;

    /// <summary>Npgsql's activity source and meter name: <c>Npgsql</c>.</summary>
    public const string NpgsqlName = "Npgsql";
}
