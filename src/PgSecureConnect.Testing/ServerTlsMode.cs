namespace PgSecureConnect.Testing;

/// <summary>How a test server treats TLS (the <c>ssl</c> setting and the pg_hba.conf connection types).</summary>
public enum ServerTlsMode
{
    /// <summary><c>ssl = on</c>; pg_hba.conf accepts TCP connections with and without TLS (<c>host</c>). The default.</summary>
    On = 0,

    /// <summary><c>ssl = off</c>: the server answers every TLS request with 'N'.</summary>
    Off,

    /// <summary><c>ssl = on</c>, and pg_hba.conf only has <c>hostssl</c> lines: plaintext TCP connections are rejected (28000).</summary>
    HostSslOnly,

    /// <summary><c>ssl = on</c>, but pg_hba.conf only has <c>hostnossl</c> lines: TLS connections are rejected after the handshake (28000).</summary>
    HostNoSslOnly,
}
