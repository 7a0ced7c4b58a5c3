namespace PgSecureConnect.Hosting;

/// <summary>
/// The event ids of the hosting package's log events, logged under the category <c>PgSecureConnect.Hosting</c>.
/// </summary>
/// <remarks>
/// These numbers are also used by the core's credential events (<see cref="PgSecureConnectEventId"/>, category
/// <c>PgSecureConnect</c>) and by Npgsql (categories <c>Npgsql.*</c>): filter on the category as well as the id.
/// </remarks>
public static class PgSecureConnectHostingEventId
{
    /// <summary>The warm-up at start opened connections to the servers (Information).</summary>
    public const int WarmedUp = 1300;

    /// <summary>The warm-up at start could not open a connection to a server; the host starts anyway (Warning).</summary>
    public const int WarmUpFailed = 1301;

    /// <summary>The host cannot start: the settings are invalid (Critical).</summary>
    public const int StartFailed = 1302;
}
