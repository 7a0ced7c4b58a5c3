using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>What the validator records of each certificate for health checks and metrics (the wire behaviour is covered by the SSL matrix).</summary>
public class ServerCertificateValidatorTests
{
    private static X509Certificate2 SelfSigned(DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=db.example.com", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), notAfter);
    }

    [Fact]
    public void Require_without_a_root_records_the_expiry_and_that_nothing_was_verified()
    {
        var notAfter = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(20), TimeSpan.Zero);
        using var certificate = SelfSigned(notAfter);
        ServerCertificateInfo? observed = null;
        var validator = new ServerCertificateValidator(SslMode.Require, roots: null, TimeProvider.System) { Observed = info => observed = info };

        validator.Validate(new object(), certificate, chain: null, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeTrue();

        observed.Should().Be(new ServerCertificateInfo(notAfter, ChainVerified: false, HostNameVerified: false, "CN=db.example.com"));
    }

    [Fact]
    public void Verify_ca_records_a_verified_chain_and_an_unchecked_host_name()
    {
        using var certificate = SelfSigned(DateTimeOffset.UtcNow.AddDays(3));
#if NET9_0_OR_GREATER
        var roots = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(certificate.RawData) };
#else
        var roots = new X509Certificate2Collection { new X509Certificate2(certificate.RawData) };
#endif
        ServerCertificateInfo? observed = null;
        var validator = new ServerCertificateValidator(SslMode.VerifyCA, roots, TimeProvider.System) { Observed = info => observed = info };

        validator.Validate(new object(), certificate, chain: null, SslPolicyErrors.None).Should().BeTrue();

        observed!.ChainVerified.Should().BeTrue();
        observed.HostNameVerified.Should().BeFalse("verify-ca does not check the name");
    }

    [Fact]
    public void A_certificate_from_another_CA_is_recorded_as_unverified_and_rejected()
    {
        using var certificate = SelfSigned(DateTimeOffset.UtcNow.AddDays(3));
        using var otherCa = SelfSigned(DateTimeOffset.UtcNow.AddDays(3));
        ServerCertificateInfo? observed = null;
        string? rejected = null;
        var validator = new ServerCertificateValidator(SslMode.VerifyCA, [otherCa], TimeProvider.System) { Observed = info => observed = info, Rejected = (_, why) => rejected = why };

        validator.Validate(new object(), certificate, chain: null, SslPolicyErrors.None).Should().BeFalse();

        observed!.ChainVerified.Should().BeFalse();
        rejected.Should().NotBeNull();
    }
}
