namespace PgSecureConnect;

/// <summary>Why one attempt to open a connection failed.</summary>
public enum ConnectionFailureKind
{
    /// <summary>Something not classified below; not retried.</summary>
    Other,

    /// <summary>The server refused the TCP connection or could not be reached (nothing listening, host down, no route).</summary>
    Unreachable,

    /// <summary>The host name could not be resolved.</summary>
    HostNotFound,

    /// <summary>The server did not answer within the connect timeout.</summary>
    Timeout,

    /// <summary>The server is up but not accepting connections right now: starting, shutting down, too many connections, or PgBouncer's pool is full.</summary>
    ServerUnavailable,

    /// <summary>The server is not of the requested kind (for example a standby when <c>read-write</c> was asked for).</summary>
    WrongServerRole,

    /// <summary>The user name or password was rejected, or no <c>pg_hba.conf</c> entry allows the login (28P01, 28000).</summary>
    Authentication,

    /// <summary>The client refused the authentication method the server asked for (<c>require_auth</c>, <c>channel_binding</c>).</summary>
    AuthenticationMethodRefused,

    /// <summary>The database does not exist (3D000).</summary>
    DatabaseNotFound,

    /// <summary>The user may not connect to the database (42501).</summary>
    PermissionDenied,

    /// <summary>The server's certificate failed verification: untrusted CA, wrong host name, or expired.</summary>
    Certificate,

    /// <summary>TLS is required but the server does not offer it, or the TLS handshake failed.</summary>
    TlsUnavailable,

    /// <summary>The pool is at its maximum size and no connection was returned in time.</summary>
    PoolExhausted,
}
