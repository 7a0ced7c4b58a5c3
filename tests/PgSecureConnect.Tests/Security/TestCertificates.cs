using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.Tests.Security;

/// <summary>Certificates made in-process for the Security unit tests: CAs, intermediates and leaves with chosen names, usages and dates.</summary>
internal static class TestCertificates
{
    /// <summary>id-kp-serverAuth.</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth.</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>Wide enough for every leaf the tests issue.</summary>
    public static readonly DateTimeOffset CaNotBefore = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset CaNotAfter = new(2099, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A CA certificate with its private key: self-signed, or signed by <paramref name="issuer"/> (an intermediate).</summary>
    public static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(CaNotBefore, CaNotAfter);
        }

        using var withoutKey = request.Create(issuer, CaNotBefore, CaNotAfter, NewSerial());
        return withoutKey.CopyWithPrivateKey(key);
    }

    /// <summary>A leaf certificate with its private key, signed by <paramref name="issuer"/>.</summary>
    /// <param name="issuer">The CA that signs it (with its private key).</param>
    /// <param name="subject">The subject name.</param>
    /// <param name="dnsNames">The DNS names of the subject alternative name extension; none leaves the extension out.</param>
    /// <param name="usages">The extended key usage OIDs; none leaves the extension out.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="notAfter">End of validity.</param>
    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string subject, string[] dnsNames, string[] usages, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateLeafRequest(key, subject, dnsNames, usages);
        using var withoutKey = request.Create(issuer, notBefore, notAfter, NewSerial());
        return withoutKey.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed leaf (no CA flag) with its private key.</summary>
    public static X509Certificate2 CreateSelfSignedLeaf(string subject, string[] dnsNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CreateLeafRequest(key, subject, dnsNames, [ServerAuth]).CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>The same certificate without its private key.</summary>
    public static X509Certificate2 WithoutPrivateKey(X509Certificate2 certificate)
#if NET9_0_OR_GREATER
        => X509CertificateLoader.LoadCertificate(certificate.RawData);
#else
        => new(certificate.RawData);
#endif

    private static CertificateRequest CreateLeafRequest(ECDsa key, string subject, string[] dnsNames, string[] usages)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        if (dnsNames.Length > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                names.AddDnsName(name);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        if (usages.Length > 0)
        {
            var oids = new OidCollection();
            foreach (var usage in usages)
            {
                oids.Add(new Oid(usage));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        return request;
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return serial;
    }
}
