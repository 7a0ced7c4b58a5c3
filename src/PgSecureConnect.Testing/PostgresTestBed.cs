namespace PgSecureConnect.Testing;

/// <summary>Placeholder: the test bed is being built.</summary>
public static class PostgresTestBedPlaceholder
{
}
