namespace PgSecureConnect.Hosting.Internal;

/// <summary>Every default of the hosting package in one place; the XML docs of the public properties repeat them.</summary>
internal static class HostingDefaults
{
    public const string DefaultName = "Default";
    public const string SectionName = "PgSecureConnect";
    public const string HealthCheckName = "PgSecureConnect";
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan HealthCheckCacheDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan CertificateExpiryWarning = TimeSpan.FromDays(14);

    /// <summary><c>PgSecureConnect</c> for the default database, <c>PgSecureConnect_{name}</c> for the others.</summary>
    public static string HealthCheckNameFor(string name)
        => string.Equals(name, DefaultName, StringComparison.OrdinalIgnoreCase) ? HealthCheckName : HealthCheckName + "_" + name;

    /// <summary>No prefix for the default database (DATABASE_URL, DB_*, PG*), else the upper-cased name: <c>orders</c> reads ORDERS_DATABASE_URL.</summary>
    public static string? VariablePrefixFor(string name)
        => string.Equals(name, DefaultName, StringComparison.OrdinalIgnoreCase)
            ? null
            : new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray()) + "_";
}
