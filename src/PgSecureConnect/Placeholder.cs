namespace PgSecureConnect;

/// <summary>Placeholder.</summary>
public static class Placeholder
{
}
