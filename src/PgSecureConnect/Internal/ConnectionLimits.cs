namespace PgSecureConnect.Internal;

/// <summary>The largest values the layers below accept; checked when settings are read, so they fail with the key at fault.</summary>
internal static class ConnectionLimits
{
    /// <summary>Npgsql's limit for <c>Timeout</c> (<c>NpgsqlConnection.TimeoutLimit</c>): <c>connect_timeout</c> above it is refused.</summary>
    public const int MaxConnectTimeoutSeconds = 1024;

    /// <summary>The longest delay a timer or <see cref="CancellationTokenSource"/> accepts (2^32 − 2 ms, about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimerDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary><see cref="MaxTimerDuration"/> in whole seconds, as messages show it.</summary>
    public static readonly long MaxTimerSeconds = (long)MaxTimerDuration.TotalSeconds;
}
