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
        var connection = await host.DataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            host.Role = SessionTargetCheck.ReportedRole(connection) ?? host.Role;
        }
    }
}
