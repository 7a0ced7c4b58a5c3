using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>
/// A throwaway CA (ECDSA P-256) that writes PEM files into a temporary directory: its own certificate, for clients'
/// <c>sslrootcert</c>, and server certificates for the names and addresses given.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public CertificateAuthority()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("pgsecure-container-certs-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=PgSecureConnect Container Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(_now.AddDays(-1), _now.AddDays(30));
        CaCertificatePath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaCertificatePath, _ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public string CaCertificatePath { get; }

    /// <summary>A server certificate and its unencrypted PKCS#8 key, as PEM text, for <paramref name="dnsName"/> and <paramref name="addresses"/>.</summary>
    public (string Certificate, string Key) IssueServerCertificate(string dnsName, params IPAddress[] addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(_ca, _now.AddDays(-1), _now.AddDays(29), serial);
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary><see cref="IssueServerCertificate"/> written to <c>NAME.crt</c> and <c>NAME.key</c> in <see cref="Directory"/>.</summary>
    public (string CertificatePath, string KeyPath) WriteServerCertificate(string name, string dnsName, params IPAddress[] addresses)
    {
        var (certificate, key) = IssueServerCertificate(dnsName, addresses);
        var certificatePath = Path.Combine(Directory, name + ".crt");
        var keyPath = Path.Combine(Directory, name + ".key");
        File.WriteAllText(certificatePath, certificate);
        File.WriteAllText(keyPath, key);
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _ca.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
