namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>The PostgreSQL image the tests run: <c>PGSECURE_POSTGRES_IMAGE</c>, else the official <c>postgres:15</c>.</summary>
internal static class ContainerImage
{
    public const string VariableName = "PGSECURE_POSTGRES_IMAGE";

    public const string Official = "postgres:15";

    public static string Name => Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } image ? image : Official;
}
