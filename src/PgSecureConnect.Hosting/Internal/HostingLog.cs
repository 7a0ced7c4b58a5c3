using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>The hosting package's log events, ids 1300–1399 (the core uses 1000–1299). No event carries a secret.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information,
        Message = "PgSecureConnect '{Name}': warmed up {Opened} connection(s) to {Servers} in {ElapsedMs} ms")]
    public static partial void WarmedUp(ILogger logger, string name, int opened, string servers, long elapsedMs);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "PgSecureConnect '{Name}': warm-up could not open a connection to {Server} ({Kind}): {Error}")]
    public static partial void WarmUpFailed(ILogger logger, string name, string server, ConnectionFailureKind kind, string error);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Critical,
        Message = "PgSecureConnect: the host cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);
}
