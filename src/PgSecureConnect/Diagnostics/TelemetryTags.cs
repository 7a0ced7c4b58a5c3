using System.Diagnostics;
using static PgSecureConnect.Diagnostics.PgSecureConnectDiagnostics;

namespace PgSecureConnect.Diagnostics;

/// <summary>The tag sets of PgSecureConnect's instruments; <see cref="TagList"/> holds up to eight tags without allocating.</summary>
internal static class TelemetryTags
{
    /// <summary>The stable <see cref="Npgsql.NpgsqlDataSourceBuilder.Name"/> of a server's data source: the factory name and the server, never credentials.</summary>
    public static string DataSourceName(string? factoryName, IEnumerable<ServerEndpoint> servers)
    {
        var list = string.Join(",", servers);
        return factoryName is null ? list : factoryName + "/" + list;
    }

    /// <summary>The factory's name in telemetry: <see cref="ConnectionFactoryOptions.Name"/>, or the server list.</summary>
    public static string FactoryNameOf(string? name, IEnumerable<ServerEndpoint> servers) => name ?? string.Join(",", servers);

    public static TagList Server(string factoryName, IObservedServer host) => new()
    {
        { DbSystemName, PostgreSql },
        { FactoryName, factoryName },
        { PoolName, host.PoolName },
        { ServerAddress, host.Server.Host },
        { ServerPort, host.Server.Port },
    };

    public static string ErrorTypeOf(ConnectionFailureKind kind) => kind switch
    {
        ConnectionFailureKind.Authentication => "authentication",
        ConnectionFailureKind.AuthenticationMethodRefused => "authentication_method_refused",
        ConnectionFailureKind.Certificate => "certificate",
        ConnectionFailureKind.DatabaseNotFound => "database_not_found",
        ConnectionFailureKind.HostNotFound => "host_not_found",
        ConnectionFailureKind.PermissionDenied => "permission_denied",
        ConnectionFailureKind.PoolExhausted => "pool_exhausted",
        ConnectionFailureKind.ServerUnavailable => "server_unavailable",
        ConnectionFailureKind.Timeout => "timeout",
        ConnectionFailureKind.TlsUnavailable => "tls_unavailable",
        ConnectionFailureKind.Unreachable => "unreachable",
        ConnectionFailureKind.WrongServerRole => "wrong_server_role",
        _ => "other",
    };

    public static string PhaseName(ConnectionPhase phase) => phase switch
    {
        ConnectionPhase.Connect => "connect",
        ConnectionPhase.Tls => "tls",
        ConnectionPhase.Authentication => "authentication",
        ConnectionPhase.SessionCheck => "session_check",
        ConnectionPhase.Pool => "pool",
        _ => "other",
    };
}
