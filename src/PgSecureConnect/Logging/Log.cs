using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Logging;

/// <summary>
/// PgSecureConnect's log events. Event ids are public and stable (<see cref="PgSecureConnectEventId"/>): 1000–1099
/// configuration and SSL, 1100–1199 opening connections, retries and failover, 1200–1299 pools and host health,
/// 1300–1399 credentials. No event carries a password or a URL holding one.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = PgSecureConnectEventId.FactoryCreated, Level = LogLevel.Information,
        Message = "PostgreSQL factory for {Servers}: sslmode={SslMode} ({SslModeSource}), target_session_attrs={Target}, {ServerCount} server(s)")]
    public static partial void FactoryCreated(ILogger logger, string servers, string sslMode, string sslModeSource, string target, int serverCount);

    [LoggerMessage(EventId = PgSecureConnectEventId.InsecureSslAllowed, Level = LogLevel.Warning,
        Message = "SslPolicy.AllowInsecure: connections to the remote server(s) {Servers} may run without encryption (sslmode={SslMode})")]
    public static partial void InsecureSslAllowed(ILogger logger, string servers, string sslMode);

    [LoggerMessage(EventId = PgSecureConnectEventId.SettingsWarning, Level = LogLevel.Warning,
        Message = "Connection settings: {Warning}")]
    public static partial void SettingsWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = PgSecureConnectEventId.AttemptFailed, Level = LogLevel.Warning,
        Message = "Opening a connection to {Host}:{Port} failed (attempt {Attempt}, {Phase}, {Kind}) after {DurationMs} ms: {Error}")]
    public static partial void AttemptFailed(ILogger logger, string host, int port, int attempt, ConnectionPhase phase, ConnectionFailureKind kind, long durationMs, string error);

    [LoggerMessage(EventId = PgSecureConnectEventId.RetryScheduled, Level = LogLevel.Debug,
        Message = "Waiting {DelayMs} ms before attempt {Attempt}")]
    public static partial void RetryScheduled(ILogger logger, long delayMs, int attempt);

    [LoggerMessage(EventId = PgSecureConnectEventId.ConnectedAfterFailures, Level = LogLevel.Information,
        Message = "Connected to {Host}:{Port} after {FailedAttempts} failed attempt(s) in {ElapsedMs} ms")]
    public static partial void ConnectedAfterFailures(ILogger logger, string host, int port, int failedAttempts, long elapsedMs);

    [LoggerMessage(EventId = PgSecureConnectEventId.OpenFailed, Level = LogLevel.Error,
        Message = "Giving up opening a PostgreSQL connection after {Attempts} failed attempt(s) in {ElapsedMs} ms: {Reason}")]
    public static partial void OpenFailed(ILogger logger, int attempts, long elapsedMs, string reason);

    [LoggerMessage(EventId = PgSecureConnectEventId.WrongServerRole, Level = LogLevel.Information,
        Message = "{Host}:{Port} is a {Role}, which does not satisfy target_session_attrs={Target}; trying elsewhere")]
    public static partial void WrongServerRole(ILogger logger, string host, int port, string role, string target);

    [LoggerMessage(EventId = PgSecureConnectEventId.AttemptRaced, Level = LogLevel.Information,
        Message = "No answer from {Host}:{Port} within {DelayMs} ms (attempt {Attempt}); racing {NextHost}:{NextPort} alongside it")]
    public static partial void AttemptRaced(ILogger logger, string host, int port, long delayMs, int attempt, string nextHost, int nextPort);

    [LoggerMessage(EventId = PgSecureConnectEventId.RaceWon, Level = LogLevel.Information,
        Message = "{Host}:{Port} won the race after {ElapsedMs} ms; cancelled the attempt(s) still under way on {Losers}")]
    public static partial void RaceWon(ILogger logger, string host, int port, long elapsedMs, string losers);

    [LoggerMessage(EventId = PgSecureConnectEventId.HostMarkedOffline, Level = LogLevel.Warning,
        Message = "{Host}:{Port} is unreachable ({Kind}); skipping it for {RecheckSeconds} s until a background check reaches it again")]
    public static partial void HostMarkedOffline(ILogger logger, string host, int port, ConnectionFailureKind kind, double recheckSeconds);

    [LoggerMessage(EventId = PgSecureConnectEventId.HostBackOnline, Level = LogLevel.Information,
        Message = "{Host}:{Port} answers again and is used again")]
    public static partial void HostBackOnline(ILogger logger, string host, int port);

    [LoggerMessage(EventId = PgSecureConnectEventId.PoolCleared, Level = LogLevel.Information,
        Message = "Cleared the connection pool of {Host}:{Port}: {Reason}")]
    public static partial void PoolCleared(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = PgSecureConnectEventId.CredentialsRefreshed, Level = LogLevel.Information,
        Message = "Credentials from {Source} refreshed ({Reason}); changed: {Changed}")]
    public static partial void CredentialsRefreshed(ILogger logger, string source, string reason, bool changed);

    [LoggerMessage(EventId = PgSecureConnectEventId.CredentialFileProblem, Level = LogLevel.Warning,
        Message = "Credentials: {Problem}")]
    public static partial void CredentialFileProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = PgSecureConnectEventId.CredentialRetry, Level = LogLevel.Information,
        Message = "{Host}:{Port} refused authentication with refreshable credentials; {Fact}, trying again for up to {GraceMs} ms")]
    public static partial void CredentialRetry(ILogger logger, string host, int port, string fact, long graceMs);

    [LoggerMessage(EventId = PgSecureConnectEventId.CredentialUserChanged, Level = LogLevel.Information,
        Message = "The credentials now name another user: new connections to {Servers} use it{Drain}")]
    public static partial void CredentialUserChanged(ILogger logger, string servers, string drain);
}
