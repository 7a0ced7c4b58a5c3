using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Logging;

/// <summary>Units of work (<see cref="ConnectionFactoryUnitOfWorkExtensions"/>): event ids 1400–1499.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = PgSecureConnectEventId.UnitRetrying, Level = LogLevel.Warning,
        Message = "Unit of work: try {Try} failed at {Step} on {Server} after {DurationMs} ms ({ErrorType}): {Error}; running it again on a fresh connection in {DelayMs} ms")]
    public static partial void UnitRetrying(ILogger logger, int @try, UnitOfWorkStep step, string server, long durationMs, string errorType, string error, long delayMs);

    [LoggerMessage(EventId = PgSecureConnectEventId.CommitOutcomeUnknown, Level = LogLevel.Warning,
        Message = "Unit of work: the connection to {Server} was lost during COMMIT (try {Try}, sent at {SentAt:O}): the outcome is unknown; {Next}")]
    public static partial void CommitOutcomeUnknown(ILogger logger, string server, int @try, DateTimeOffset sentAt, string next);

    [LoggerMessage(EventId = PgSecureConnectEventId.CommitVerified, Level = LogLevel.Information,
        Message = "Unit of work: verifySucceeded says the commit of try {Try} was {Verdict}")]
    public static partial void CommitVerified(ILogger logger, int @try, string verdict);

    [LoggerMessage(EventId = PgSecureConnectEventId.UnitFailed, Level = LogLevel.Error,
        Message = "Unit of work: giving up after {Tries} failed tr(ies) in {ElapsedMs} ms: {Reason}")]
    public static partial void UnitFailed(ILogger logger, int tries, long elapsedMs, string reason);

    [LoggerMessage(EventId = PgSecureConnectEventId.UnitSucceededAfterRetries, Level = LogLevel.Information,
        Message = "Unit of work: succeeded on try {Try} after {ElapsedMs} ms")]
    public static partial void UnitSucceededAfterRetries(ILogger logger, int @try, long elapsedMs);

    [LoggerMessage(EventId = PgSecureConnectEventId.VerificationFailed, Level = LogLevel.Warning,
        Message = "Unit of work: verifySucceeded for the commit of try {Try} failed on {Server} ({ErrorType}): {Error}")]
    public static partial void VerificationFailed(ILogger logger, int @try, string server, string errorType, string error);
}
