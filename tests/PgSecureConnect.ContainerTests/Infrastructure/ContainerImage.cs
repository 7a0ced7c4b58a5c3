namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>The PostgreSQL image the tests run: <c>PGSECURE_POSTGRES_IMAGE</c>, else the official <c>postgres:15</c>.</summary>
internal static class ContainerImage
{
    public const string VariableName = "PGSECURE_POSTGRES_IMAGE";

    public const string Official = "postgres:15";

    public const string PgBouncerVariableName = "PGSECURE_PGBOUNCER_IMAGE";

    public static string Name => Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } image ? image : Official;

    /// <summary>
    /// An image with <c>pgbouncer</c> and <c>setpriv</c> on its PATH and a <c>postgres</c> user: <c>PGSECURE_PGBOUNCER_IMAGE</c>,
    /// else the image of <c>PGSECURE_POSTGRES_IMAGE</c> (the local image has both); the official image has no PgBouncer.
    /// </summary>
    public static string PgBouncer =>
        Environment.GetEnvironmentVariable(PgBouncerVariableName) is { Length: > 0 } image ? image
        : Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } postgres ? postgres
        : throw new InvalidOperationException(
            $"The PgBouncer container test needs an image with pgbouncer; the official {Official} has none. "
            + $"Build the local image (bash tests/PgSecureConnect.ContainerTests/image/build-image.sh; it has PostgreSQL and PgBouncer) "
            + $"and set {VariableName} (or {PgBouncerVariableName}) to the name it prints.");
}
