using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>
/// The PEM files of a test bed's throwaway certificate authorities and client certificate.
/// Servers get their own certificates (see <see cref="ServerCertificateKind"/>) inside their data directories.
/// </summary>
public sealed class TestCertificates
{
    internal TestCertificates(string directory, CertificateFactory factory)
    {
        Directory = directory;
        Factory = factory;
    }

    /// <summary>The directory holding these files.</summary>
    public string Directory { get; }

    /// <summary>The CA that signs the servers' certificates: give it to clients as the root certificate (Npgsql's <c>Root Certificate</c>, libpq's <c>sslrootcert</c>).</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    /// <summary>A second CA, trusted by nobody, that signs the <see cref="ServerCertificateKind.Untrusted"/> server certificates.</summary>
    public string UntrustedCaCertificatePath => Path.Combine(Directory, "untrusted-ca.crt");

    /// <summary>A client certificate for the test user (<c>CN=</c> the user name), signed by the trusted CA; servers trust that CA for client certificates.</summary>
    public string ClientCertificatePath => Path.Combine(Directory, "client.crt");

    /// <summary>The unencrypted PKCS#8 private key of <see cref="ClientCertificatePath"/>.</summary>
    public string ClientKeyPath => Path.Combine(Directory, "client.key");

    internal CertificateFactory Factory { get; }
}
