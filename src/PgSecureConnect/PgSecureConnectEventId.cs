namespace PgSecureConnect;

/// <summary>
/// The event ids of PgSecureConnect's log events, logged under the category <c>PgSecureConnect</c> to
/// <see cref="ConnectionFactoryOptions.LoggerFactory"/>. The ids are stable: 1000–1099 configuration and SSL,
/// 1100–1199 opening connections, retries and failover, 1200–1299 pools and server health, 1300–1399 credentials.
/// </summary>
/// <remarks>
/// Npgsql, which logs to the same logger factory, uses some of the same numbers (its <c>NpgsqlEventId</c>, under
/// categories <c>Npgsql.*</c>): filter on the category as well as the id.
/// </remarks>
public static class PgSecureConnectEventId
{
    /// <summary>A factory was created: its servers, sslmode and where it came from, target_session_attrs (Information).</summary>
    public const int FactoryCreated = 1000;

    /// <summary><see cref="SslPolicy.AllowInsecure"/> lets connections to remote servers run without encryption (Warning).</summary>
    public const int InsecureSslAllowed = 1001;

    /// <summary>A setting was accepted with a warning (Warning).</summary>
    public const int SettingsWarning = 1002;

    /// <summary>One attempt to open a connection failed: server, attempt, phase, failure kind, duration (Warning).</summary>
    public const int AttemptFailed = 1100;

    /// <summary>The next attempt waits for the back-off delay (Debug).</summary>
    public const int RetryScheduled = 1101;

    /// <summary>A connection opened after failed attempts (Information).</summary>
    public const int ConnectedAfterFailures = 1102;

    /// <summary>Opening gave up: every attempt failed, or the overall timeout passed (Error).</summary>
    public const int OpenFailed = 1103;

    /// <summary>A server's role (primary, standby) does not satisfy target_session_attrs; another is tried (Information).</summary>
    public const int WrongServerRole = 1104;

    /// <summary>A server had not answered within <see cref="RetryPolicy.AttemptDelay"/>, so the next one is tried alongside it (Information).</summary>
    public const int AttemptRaced = 1105;

    /// <summary>One of several racing attempts connected; the others are cancelled (Information).</summary>
    public const int RaceWon = 1106;

    /// <summary>A server is unreachable and skipped until a background check reaches it again (Warning).</summary>
    public const int HostMarkedOffline = 1200;

    /// <summary>A server skipped as unreachable answers again and is used again (Information).</summary>
    public const int HostBackOnline = 1201;

    /// <summary>A server's connection pool was cleared (Information).</summary>
    public const int PoolCleared = 1202;

    /// <summary>Credentials were read again from their source; whether they changed (Information). Never the values.</summary>
    public const int CredentialsRefreshed = 1300;

    /// <summary>A credential source could not be read, or holds something unusable (Warning).</summary>
    public const int CredentialFileProblem = 1301;

    /// <summary>A server refused authentication with refreshable credentials; they are re-read and tried again (Information).</summary>
    public const int CredentialRetry = 1302;

    /// <summary>The credentials now name another user, so new connections go to new data sources (Information).</summary>
    public const int CredentialUserChanged = 1303;

    /// <summary>A unit of work failed for a transient reason and runs again on a fresh connection (Warning).</summary>
    public const int UnitRetrying = 1400;

    /// <summary>A unit of work's connection was lost during COMMIT: the outcome is unknown (Warning).</summary>
    public const int CommitOutcomeUnknown = 1401;

    /// <summary>verifySucceeded settled an unknown commit outcome (Information).</summary>
    public const int CommitVerified = 1402;

    /// <summary>A unit of work gave up: its tries or the overall timeout ran out (Error).</summary>
    public const int UnitFailed = 1403;

    /// <summary>A unit of work succeeded after failed tries (Information).</summary>
    public const int UnitSucceededAfterRetries = 1404;

    /// <summary>verifySucceeded itself failed (Warning).</summary>
    public const int VerificationFailed = 1405;
}
