using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// The hosting package's log events, ids in <see cref="PgSecureConnectHostingEventId"/> (1300–1399 under the category
/// PgSecureConnect.Hosting; the core's credential events, added later, use 1300–1399 too, under PgSecureConnect).
/// No event carries a secret.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = PgSecureConnectHostingEventId.WarmedUp, Level = LogLevel.Information,
        Message = "PgSecureConnect '{Name}': warmed up {Opened} connection(s) to {Servers} in {ElapsedMs} ms")]
    public static partial void WarmedUp(ILogger logger, string name, int opened, string servers, long elapsedMs);

    [LoggerMessage(EventId = PgSecureConnectHostingEventId.WarmUpFailed, Level = LogLevel.Warning,
        Message = "PgSecureConnect '{Name}': warm-up could not open a connection to {Server} ({Kind}): {Error}")]
    public static partial void WarmUpFailed(ILogger logger, string name, string server, ConnectionFailureKind kind, string error);

    [LoggerMessage(EventId = PgSecureConnectHostingEventId.StartFailed, Level = LogLevel.Critical,
        Message = "PgSecureConnect: the host cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);
}
