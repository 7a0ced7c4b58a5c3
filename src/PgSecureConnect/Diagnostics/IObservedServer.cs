namespace PgSecureConnect.Diagnostics;

/// <summary>
/// What telemetry reads of one server of a factory. Declared here and implemented by the connecting code, so
/// <c>Diagnostics</c> depends on nothing that opens connections.
/// </summary>
internal interface IObservedServer
{
    /// <summary>The server.</summary>
    ServerEndpoint Server { get; }

    /// <summary>The stable name of the server's data source (Npgsql's <c>db.client.connection.pool.name</c>).</summary>
    string PoolName { get; }

    /// <summary>The server could not be reached, and opens skip it until a background check reaches it.</summary>
    bool IsOffline { get; }

    /// <summary>The certificate seen in the last TLS handshake, if any.</summary>
    Security.ServerCertificateInfo? Certificate { get; }
}
