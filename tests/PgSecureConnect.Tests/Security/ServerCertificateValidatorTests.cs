using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>
/// What the validator accepts and rejects for each sslmode, why, and what it records of each certificate for health
/// checks and metrics (the wire behaviour is covered by the SSL matrix). The host name comes from the SslStream that
/// calls the validator: the tests give it one whose handshake failed after it recorded its target host.
/// </summary>
public sealed class ServerCertificateValidatorTests : IDisposable
{
    private const string Host = "db.example.com";
    private const string Prefix = "certificate verification failed: ";
    private static readonly DateTimeOffset Now = new(2031, 3, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LeafNotBefore = new(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LeafNotAfter = new(2031, 12, 31, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly X509Certificate2 _root = TestCertificates.CreateCa("CN=Test Root CA, O=Example");
    private readonly X509Certificate2 _intermediate;
    private readonly List<(string Host, string Reason)> _rejections = [];
    private readonly List<ServerCertificateInfo> _observations = [];

    public ServerCertificateValidatorTests() => _intermediate = TestCertificates.CreateCa("CN=Test Intermediate CA", _root);

    public void Dispose()
    {
        _intermediate.Dispose();
        _root.Dispose();
    }

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

    [Theory]
    [InlineData(SslMode.Disable, false, false)]
    [InlineData(SslMode.Allow, false, false)]
    [InlineData(SslMode.Prefer, false, false)]
    [InlineData(SslMode.Require, false, false)]
    [InlineData(SslMode.Require, true, true)]
    [InlineData(SslMode.Prefer, true, true)]
    [InlineData(SslMode.VerifyCA, false, true)]
    [InlineData(SslMode.VerifyCA, true, true)]
    [InlineData(SslMode.VerifyFull, false, true)]
    [InlineData(SslMode.VerifyFull, true, true)]
    public void Verifies_in_the_verify_modes_and_whenever_a_root_certificate_is_given(SslMode mode, bool withRoots, bool expected)
        => new ServerCertificateValidator(mode, withRoots ? [_root] : null, _time).Verifies.Should().Be(expected);

    [Fact]
    public void System_chain_policy_asks_for_server_authentication_and_downloads_nothing()
    {
        var policy = ServerCertificateValidator.CreateSystemChainPolicy();

        policy.RevocationMode.Should().Be(X509RevocationMode.NoCheck);
        policy.DisableCertificateDownloads.Should().BeTrue();
        policy.ApplicationPolicy.Cast<Oid>().Select(o => (o.Value, o.FriendlyName)).Should().Equal(("1.3.6.1.5.5.7.3.1", "Server Authentication"));
    }

    [Fact]
    public void Weak_mode_accepts_a_missing_certificate_and_records_nothing()
    {
        var validator = Validator(SslMode.Prefer, roots: null);

        validator.Validate(new object(), certificate: null, chain: null, SslPolicyErrors.RemoteCertificateNotAvailable).Should().BeTrue();

        _observations.Should().BeEmpty();
        _rejections.Should().BeEmpty();
    }

    [Fact]
    public void Verifying_mode_rejects_a_server_that_sends_no_certificate()
    {
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyCA, roots: null).Validate(sender, certificate: null, chain: null, SslPolicyErrors.RemoteCertificateNotAvailable).Should().BeFalse();

        _rejections.Should().Equal((Host, "the server sent no certificate"));
        _observations.Should().BeEmpty();
    }

    [Fact]
    public void Host_is_empty_when_the_caller_is_not_an_SslStream()
    {
        Validator(SslMode.VerifyFull, roots: null).Validate(new object(), certificate: null, chain: null, SslPolicyErrors.RemoteCertificateNotAvailable).Should().BeFalse();

        _rejections.Should().Equal((string.Empty, "the server sent no certificate"));
    }

    [Fact]
    public void Verify_ca_with_the_system_store_accepts_what_dotnet_found_valid()
    {
        using var server = Leaf(["other.example.com"]);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyCA, roots: null).Validate(sender, server, chain: null, SslPolicyErrors.RemoteCertificateNameMismatch).Should().BeTrue();

        _rejections.Should().BeEmpty();
        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: false, "CN=server"));
    }

    [Fact]
    public void Verify_ca_with_the_system_store_rejects_a_chain_dotnet_found_invalid()
    {
        using var server = Leaf([Host]);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyCA, roots: null).Validate(sender, server, chain: null, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it is not signed by a CA the operating system trusts (issuer: CN=Test Root CA, O=Example); give the CA file in sslrootcert"));
        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: false, HostNameVerified: false, "CN=server"));
    }

    [Fact]
    public void System_store_rejection_reads_the_reason_from_the_chain_dotnet_built()
    {
        using var server = Leaf([Host], TestCertificates.ClientAuth);
        using var chain = BuildChain(server, _root, _intermediate);
        chain.ChainStatus.Select(s => s.Status).Should().Contain(X509ChainStatusFlags.NotValidForUsage);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, roots: null).Validate(sender, server, chain, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it is not allowed for server authentication (unsupported certificate purpose: its extended key usage lacks serverAuth)"));
    }

    [Theory]
    [InlineData("db.example.com")]
    [InlineData("*.example.com")]
    [InlineData("DB.Example.COM")]
    public void Verify_full_accepts_a_certificate_that_names_the_host(string dnsName)
    {
        using var server = Leaf([dnsName]);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, roots: null).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeTrue();

        _rejections.Should().BeEmpty();
        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: true, "CN=server"));
    }

    [Fact]
    public void Verify_full_accepts_a_certificate_that_names_the_host_only_in_its_common_name()
    {
        using var server = TestCertificates.CreateLeaf(_root, "CN=db.example.com", [], [TestCertificates.ServerAuth], LeafNotBefore, LeafNotAfter);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, roots: null).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeTrue();

        _rejections.Should().BeEmpty();
    }

    [Fact]
    public void Verify_full_rejects_a_certificate_for_another_host_even_with_a_valid_chain()
    {
        using var server = Leaf(["other.example.com"]);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, roots: null).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it was issued for 'other.example.com', not for 'db.example.com' (verify-full checks the host name)"));
        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: false, "CN=server"));
    }

    [Fact]
    public void Verify_full_with_a_matching_name_but_an_untrusted_chain_records_the_name_as_unverified()
    {
        using var server = Leaf([Host]);
        using var sender = SenderFor(Host);

        using var otherRoot = TestCertificates.CreateCa("CN=Other Root CA");

        Validator(SslMode.VerifyFull, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeTrue();
        Validator(SslMode.VerifyFull, [otherRoot]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeFalse();

        _observations.Should().Equal(
            new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: true, "CN=server"),
            new ServerCertificateInfo(LeafNotAfter, ChainVerified: false, HostNameVerified: false, "CN=server"));
    }

    [Fact]
    public void Root_file_chain_uses_the_intermediates_the_server_sent()
    {
        using var server = LeafOfIntermediate();
        using var presented = BuildChain(server, _root, _intermediate);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, [_root]).Validate(sender, server, presented, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeTrue();

        _rejections.Should().BeEmpty();
        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: true, "CN=server"));
    }

    [Fact]
    public void Root_file_chain_without_the_intermediate_is_rejected_naming_the_issuer()
    {
        using var server = LeafOfIntermediate();
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyCA, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it is not signed by the CA in sslrootcert (issuer: CN=Test Intermediate CA)"));
    }

    [Fact]
    public void Root_file_chain_ignores_what_the_system_store_thought()
    {
        using var server = Leaf(["other.example.com"]);
        using var sender = SenderFor(Host);

        Validator(SslMode.Require, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch)
            .Should().BeTrue("require with a root certificate checks the chain against that root, and not the name");

        _observations.Should().Equal(new ServerCertificateInfo(LeafNotAfter, ChainVerified: true, HostNameVerified: false, "CN=server"));
    }

    [Fact]
    public void Root_file_chain_requires_server_authentication_usage()
    {
        using var server = Leaf([Host], TestCertificates.ClientAuth);
        using var sender = SenderFor(Host);

        Validator(SslMode.VerifyFull, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it is not allowed for server authentication (unsupported certificate purpose: its extended key usage lacks serverAuth)"));
    }

    [Fact]
    public void Root_file_chain_is_checked_at_the_time_of_the_time_provider()
    {
        using var server = Leaf([Host]);
        using var sender = SenderFor(Host);
        _time.SetUtcNow(new DateTimeOffset(2032, 2, 1, 12, 0, 0, TimeSpan.Zero));

        Validator(SslMode.VerifyFull, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeFalse();

        _rejections.Should().Equal((Host, Prefix + "it expired on 2031-12-31 00:00 UTC"));
    }

    [Fact]
    public void Root_file_chain_is_checked_at_the_instant_of_the_time_provider_whatever_its_time_zone()
    {
        // An hour before the leaf expires, on a clock whose local time zone is two hours ahead of the machine's (UTC
        // here): a local clock time passed as the chain's verification time would read as an hour after expiry.
        using var server = Leaf([Host]);
        using var sender = SenderFor(Host);
        _time.SetUtcNow(LeafNotAfter.AddHours(-1));
        _time.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("UTC+2", TimeSpan.FromHours(2), "UTC+2", "UTC+2"));

        Validator(SslMode.VerifyFull, [_root]).Validate(sender, server, chain: null, SslPolicyErrors.None).Should().BeTrue();

        _rejections.Should().BeEmpty();
    }

    [Fact]
    public void Subject_is_escaped_in_what_is_recorded()
    {
        using var server = TestCertificates.CreateLeaf(_root, "CN=db\u202Eexample", [Host], [TestCertificates.ServerAuth], LeafNotBefore, LeafNotAfter);

        Validator(SslMode.Require, roots: null).Validate(new object(), server, chain: null, SslPolicyErrors.None).Should().BeTrue();

        _observations.Single().Subject.Should().Be("CN=db\\u202Eexample");
    }

    private ServerCertificateValidator Validator(SslMode mode, X509Certificate2Collection? roots) => new(mode, roots, _time)
    {
        Rejected = (host, reason) => _rejections.Add((host, reason)),
        Observed = _observations.Add,
    };

    /// <summary>A server certificate signed by the root itself (.NET, like OpenSSL, takes only a self-signed CA as a trust anchor).</summary>
    private X509Certificate2 Leaf(string[] dnsNames, string usage = TestCertificates.ServerAuth)
        => TestCertificates.CreateLeaf(_root, "CN=server", dnsNames, [usage], LeafNotBefore, LeafNotAfter);

    private X509Certificate2 LeafOfIntermediate()
        => TestCertificates.CreateLeaf(_intermediate, "CN=server", [Host], [TestCertificates.ServerAuth], LeafNotBefore, LeafNotAfter);

    /// <summary>The chain .NET would hand the callback: built with what the server sent and, here, trusting <paramref name="root"/>.</summary>
    private static X509Chain BuildChain(X509Certificate2 server, X509Certificate2 root, X509Certificate2 intermediate)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TestCertificates.ServerAuth));
        chain.ChainPolicy.VerificationTime = Now.LocalDateTime;
        chain.Build(server);
        return chain;
    }

    /// <summary>An SslStream whose client handshake to <paramref name="host"/> failed at once (no server), so that it knows its target host.</summary>
    private static SslStream SenderFor(string host)
    {
        var stream = new SslStream(new MemoryStream());
        Assert.Throws<IOException>(() => stream.AuthenticateAsClient(host));
        stream.TargetHostName.Should().Be(host);
        return stream;
    }
}
