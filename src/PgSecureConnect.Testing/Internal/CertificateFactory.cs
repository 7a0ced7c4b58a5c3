using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// A throwaway trusted CA, an untrusted CA, and the server and client certificates they sign,
/// made with .NET's CertificateRequest (ECDSA P-256: fast to make, supported by OpenSSL and .NET).
/// </summary>
internal sealed class CertificateFactory : IDisposable
{
    private const string WrongHostName = "wrong.example.invalid";

    /// <summary>A name with a line break, an ANSI escape and a right-to-left override, for <see cref="ServerCertificateKind.HostileNames"/>.</summary>
    internal const string HostileName = "evil\r\nINFO forged log line\u001b[31m\u202Egnp.exe";

    private readonly X509Certificate2 _trustedCa;
    private readonly X509Certificate2 _untrustedCa;
    private readonly ConcurrentDictionary<(ServerCertificateKind Kind, string Address), PemPair> _serverCertificates = new();
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public CertificateFactory()
    {
        _trustedCa = CreateCa("CN=PgSecureConnect Test CA");
        _untrustedCa = CreateCa("CN=PgSecureConnect Untrusted Test CA");
    }

    public string TrustedCaPem => _trustedCa.ExportCertificatePem();

    public string UntrustedCaPem => _untrustedCa.ExportCertificatePem();

    public PemPair CreateClientCertificate(string userName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + userName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_trustedCa, true, false));
        using var certificate = request.Create(_trustedCa, _now.AddDays(-1), _now.AddDays(30), NewSerialNumber());
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The server certificate of that kind for a server listening on <paramref name="listenAddress"/> (made once, then reused).</summary>
    public PemPair GetServerCertificate(ServerCertificateKind kind, string listenAddress) =>
        _serverCertificates.GetOrAdd((kind, listenAddress), key => CreateServerCertificate(key.Kind, key.Address));

    public void Dispose()
    {
        _trustedCa.Dispose();
        _untrustedCa.Dispose();
    }

    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        return serial;
    }

    private X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        // Starts well in the past so that the expired server certificate still lies inside the CA's validity.
        return request.CreateSelfSigned(_now.AddDays(-365), _now.AddDays(365));
    }

    private PemPair CreateServerCertificate(ServerCertificateKind kind, string listenAddress)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var commonName = kind switch
        {
            ServerCertificateKind.WrongHostName => WrongHostName,
            ServerCertificateKind.HostileNames => HostileName,
            _ => "localhost",
        };
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var purpose = kind == ServerCertificateKind.ClientAuthOnly ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1";
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));

        var names = new SubjectAlternativeNameBuilder();
        if (kind == ServerCertificateKind.WrongHostName)
        {
            names.AddDnsName(WrongHostName);
        }
        else if (kind == ServerCertificateKind.HostileNames)
        {
            // SubjectAlternativeNameBuilder refuses such names; an attacker's CA does not, so write the DER by hand.
            var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, HostileName.Replace("\u202E", string.Empty, StringComparison.Ordinal),
                    new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 2));
            }

            request.CertificateExtensions.Add(new X509Extension("2.5.29.17", writer.Encode(), false));
        }
        else
        {
            names.AddDnsName("localhost");
            var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
            if (IPAddress.TryParse(listenAddress, out var listen) && !addresses.Contains(listen))
            {
                addresses.Add(listen);
            }

            foreach (var address in addresses)
            {
                names.AddIpAddress(address);
            }
        }

        if (kind != ServerCertificateKind.HostileNames)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        var issuer = kind == ServerCertificateKind.Untrusted ? _untrustedCa : _trustedCa;
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var (notBefore, notAfter) = kind switch
        {
            ServerCertificateKind.Expired => (_now.AddDays(-30), _now.AddDays(-1)),
            ServerCertificateKind.ExpiresSoon => (_now.AddDays(-1), _now.AddDays(2)),
            _ => (_now.AddDays(-1), _now.AddDays(30)),
        };
        using var certificate = request.Create(issuer, notBefore, notAfter, NewSerialNumber());
        return new PemPair(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
