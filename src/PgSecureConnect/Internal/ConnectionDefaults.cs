namespace PgSecureConnect.Internal;

/// <summary>Every default value in one place; the XML docs of the public properties repeat them.</summary>
internal static class ConnectionDefaults
{
    public const int MaxAttempts = 5;
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan OverallTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan HostRecheckInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CredentialRefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan CredentialRefreshGrace = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan AttemptDelay = TimeSpan.FromMilliseconds(250);
    public const string ConnectionStringName = "Default";
    public const string EnvFileName = ".env";
}
