namespace PgSecureConnect.Connecting;

/// <summary>The background check of an offline server (<see cref="HostHealthMonitor"/>): open a connection within the connect timeout and close it.</summary>
internal static class HostProbe
{
    /// <summary>The check for servers whose attempts are limited by <paramref name="connectTimeout"/>.</summary>
    public static Func<HostState, CancellationToken, Task> WithTimeout(TimeSpan connectTimeout)
        => (host, cancellationToken) => ProbeAsync(host, connectTimeout, cancellationToken);

    private static async Task ProbeAsync(HostState host, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        using var timeout = AttemptTimeLimits.CreateTimeoutSource(connectTimeout, cancellationToken);
        // Bounded like an attempt: Npgsql stops watching the token once TCP is up, and a server frozen after accepting
        // would otherwise keep the check (and its socket) for Npgsql's whole-second Timeout.
        var connection = await BoundedOpen.WaitAsync(host.DataSource.OpenConnectionAsync(timeout.Token), timeout.Token).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            host.Role = SessionTargetCheck.ReportedRole(connection) ?? host.Role;
        }
    }
}
