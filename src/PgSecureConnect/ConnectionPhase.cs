namespace PgSecureConnect;

/// <summary>The step of opening a connection at which an attempt failed.</summary>
public enum ConnectionPhase
{
    /// <summary>Reaching the server: name resolution, TCP connect, or waiting for its first answer.</summary>
    Connect,

    /// <summary>Negotiating TLS or verifying the server's certificate.</summary>
    Tls,

    /// <summary>Logging in: password, SCRAM, certificate authentication, or opening the database.</summary>
    Authentication,

    /// <summary>Checking that the server is of the requested kind (<c>target_session_attrs</c>).</summary>
    SessionCheck,

    /// <summary>Waiting for a free connection in the pool.</summary>
    Pool,
}
