namespace PgSecureConnect.Testing;

/// <summary>Which certificate a test server presents when TLS is on.</summary>
public enum ServerCertificateKind
{
    /// <summary>Signed by the trusted test CA, names DNS:localhost, IP:127.0.0.1, IP:::1 and the listen address. The default.</summary>
    Valid = 0,

    /// <summary>Signed by the trusted test CA, but names only DNS:wrong.example.invalid: passes verify-ca, fails verify-full.</summary>
    WrongHostName,

    /// <summary>Signed by the trusted test CA with the right names, but its validity ended yesterday.</summary>
    Expired,

    /// <summary>The right names, but signed by a second CA that nobody trusts (<see cref="TestCertificates.UntrustedCaCertificatePath"/>).</summary>
    Untrusted,

    /// <summary>
    /// Signed by the trusted test CA with the right names, but its extended key usage allows client authentication only
    /// (no serverAuth): libpq refuses it under verify-ca and verify-full ("unsupported certificate purpose").
    /// </summary>
    ClientAuthOnly,

    /// <summary>
    /// Signed by the trusted test CA, but for a wrong host name full of control characters, line breaks and
    /// right-to-left overrides (in the common name and subject alternative name): text an attacker controls that must
    /// never reach a message or log unescaped.
    /// </summary>
    HostileNames,

    /// <summary>Like <see cref="Valid"/>, but it expires two days from now: passes every check, for expiry warnings.</summary>
    ExpiresSoon,
}
