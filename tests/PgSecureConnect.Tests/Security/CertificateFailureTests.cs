using System.Security.Cryptography.X509Certificates;
using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>The plain-words reason for each kind of rejected server certificate, and which reason wins.</summary>
public sealed class CertificateFailureTests : IDisposable
{
    private const string Prefix = "certificate verification failed: ";
    private const string NameReason = "it was issued for 'other.example.com', not for 'db.example.com' (verify-full checks the host name)";
    private static readonly DateTime NotBefore = new(2031, 1, 1, 8, 30, 0, DateTimeKind.Utc);
    private static readonly DateTime NotAfter = new(2031, 6, 30, 18, 45, 0, DateTimeKind.Utc);
    private static readonly DateTime During = new(2031, 3, 15, 10, 0, 0, DateTimeKind.Utc);

    private readonly X509Certificate2 _ca = TestCertificates.CreateCa("CN=Test CA, O=Example");
    private readonly X509Certificate2 _server;

    public CertificateFailureTests()
        => _server = TestCertificates.CreateLeaf(_ca, "CN=other.example.com", ["other.example.com"], [TestCertificates.ServerAuth], NotBefore, NotAfter);

    public void Dispose()
    {
        _server.Dispose();
        _ca.Dispose();
    }

    [Fact]
    public void Expired_certificate_says_when_it_expired_in_UTC()
        => Describe(utcNow: NotAfter.AddMinutes(1)).Should().Be(Prefix + "it expired on 2031-06-30 18:45 UTC");

    [Fact]
    public void Certificate_is_still_valid_at_the_instant_it_expires()
        => Describe(utcNow: NotAfter, nameValid: false).Should().Be(Prefix + NameReason);

    [Fact]
    public void Certificate_not_yet_valid_says_from_when_in_UTC()
        => Describe(utcNow: NotBefore.AddMinutes(-1)).Should().Be(Prefix + "it is not valid before 2031-01-01 08:30 UTC");

    [Fact]
    public void Certificate_is_valid_from_the_instant_it_starts()
        => Describe(utcNow: NotBefore, nameValid: false).Should().Be(Prefix + NameReason);

    [Fact]
    public void Dates_are_reported_before_the_chain_because_an_expired_chain_is_also_invalid()
        => Describe(utcNow: NotAfter.AddDays(1), chainValid: false, status: X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotValidForUsage)
            .Should().Be(Prefix + "it expired on 2031-06-30 18:45 UTC");

    [Fact]
    public void Certificate_without_server_authentication_usage_says_so_in_libpq_words()
        => Describe(chainValid: false, status: X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.UntrustedRoot)
            .Should().Be(Prefix + "it is not allowed for server authentication (unsupported certificate purpose: its extended key usage lacks serverAuth)");

    [Fact]
    public void Certificate_from_another_CA_than_sslrootcert_names_its_issuer()
        => Describe(chainValid: false, status: X509ChainStatusFlags.PartialChain, customRoots: true)
            .Should().Be(Prefix + "it is not signed by the CA in sslrootcert (issuer: CN=Test CA, O=Example)");

    [Fact]
    public void Certificate_not_trusted_by_the_system_points_at_sslrootcert()
        => Describe(chainValid: false, status: X509ChainStatusFlags.UntrustedRoot, customRoots: false)
            .Should().Be(Prefix + "it is not signed by a CA the operating system trusts (issuer: CN=Test CA, O=Example); give the CA file in sslrootcert");

    [Fact]
    public void Usage_flag_left_over_from_a_valid_chain_is_not_a_reason()
        => Describe(chainValid: true, status: X509ChainStatusFlags.NotValidForUsage, nameValid: false).Should().Be(Prefix + NameReason);

    [Fact]
    public void Wrong_host_name_names_the_certificate_name_and_the_host()
        => Describe(nameValid: false).Should().Be(Prefix + NameReason);

    [Fact]
    public void Several_reasons_are_joined_with_semicolons()
        => Describe(chainValid: false, status: X509ChainStatusFlags.UntrustedRoot, nameValid: false, customRoots: true)
            .Should().Be(Prefix + "it is not signed by the CA in sslrootcert (issuer: CN=Test CA, O=Example); " + NameReason);

    [Fact]
    public void Host_name_is_escaped_because_it_may_hold_control_characters()
        => CertificateFailure.Describe(_server, chainValid: true, X509ChainStatusFlags.NoError, nameValid: false, "db\u001B[31m.example.com", customRoots: true, During)
            .Should().Be(Prefix + "it was issued for 'other.example.com', not for 'db\\u001B[31m.example.com' (verify-full checks the host name)");

    private string Describe(DateTime? utcNow = null, bool chainValid = true, X509ChainStatusFlags status = X509ChainStatusFlags.NoError, bool nameValid = true, bool customRoots = true)
        => CertificateFailure.Describe(_server, chainValid, status, nameValid, "db.example.com", customRoots, utcNow ?? During);
}
