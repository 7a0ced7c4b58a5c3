using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>
/// libpq's <c>target_session_attrs</c> check (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-TARGET-SESSION-ATTRS).
/// On PostgreSQL 14 and later the server reports <c>in_hot_standby</c> and <c>default_transaction_read_only</c> at
/// connection start and whenever they change, so the check costs no round trip; older servers are asked.
/// </summary>
internal static class SessionTargetCheck
{
    /// <summary>The role from the parameters the server reported, or <see langword="null"/> when it did not report them.</summary>
    public static ServerRole? ReportedRole(NpgsqlConnection connection)
    {
        var parameters = connection.PostgresParameters;
        if (!parameters.TryGetValue("in_hot_standby", out var hotStandby))
        {
            return null;
        }

        if (hotStandby == "on")
        {
            return ServerRole.Standby;
        }

        return parameters.TryGetValue("default_transaction_read_only", out var readOnly) && readOnly == "on"
            ? ServerRole.ReadOnlyPrimary
            : ServerRole.Primary;
    }

    /// <summary>Asks the server (PostgreSQL 13 and older).</summary>
    public static async ValueTask<ServerRole> QueryRoleAsync(NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('default_transaction_read_only') = 'on'", connection);
        using var reader = async
            ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false)
            : command.ExecuteReader();
        if (async)
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            reader.Read();
        }

        return reader.GetBoolean(0) ? ServerRole.Standby : reader.GetBoolean(1) ? ServerRole.ReadOnlyPrimary : ServerRole.Primary;
    }

    /// <summary>Whether a server of <paramref name="role"/> satisfies <paramref name="target"/> outright.</summary>
    public static bool Satisfies(ServerRole role, TargetSessionAttributes target) => target switch
    {
        TargetSessionAttributes.Any => true,
        TargetSessionAttributes.ReadWrite => role == ServerRole.Primary,
        TargetSessionAttributes.ReadOnly => role is ServerRole.Standby or ServerRole.ReadOnlyPrimary,
        TargetSessionAttributes.Primary => role is ServerRole.Primary or ServerRole.ReadOnlyPrimary,
        TargetSessionAttributes.Standby or TargetSessionAttributes.PreferStandby => role == ServerRole.Standby,
        TargetSessionAttributes.PreferPrimary => role is ServerRole.Primary or ServerRole.ReadOnlyPrimary,
        _ => false,
    };

    /// <summary>Whether <paramref name="target"/> falls back to any server when none satisfies it outright.</summary>
    public static bool HasFallback(TargetSessionAttributes target)
        => target is TargetSessionAttributes.PreferStandby or TargetSessionAttributes.PreferPrimary;

    public static string Describe(ServerRole role) => role switch
    {
        ServerRole.Primary => "primary",
        ServerRole.ReadOnlyPrimary => "read-only primary",
        ServerRole.Standby => "standby",
        _ => "server of unknown role",
    };
}
