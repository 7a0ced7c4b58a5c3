using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgSecureConnect.Internal;
using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>Loading sslcert/sslkey/sslpassword once: PEM and PKCS#12, the chain sent with the leaf, and each problem under the keyword at fault.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientCertificateTests : IDisposable
{
    private const string Password = "key-password";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly SettingSource CertificateSource = new(SettingSourceKind.Variables, "DB_SSLCERT");
    private static readonly SettingSource KeySource = new(SettingSourceKind.Variables, "DB_SSLKEY");

    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-client-cert-").FullName;
    private readonly X509Certificate2 _root = TestCertificates.CreateCa("CN=Client Root CA");
    private readonly X509Certificate2 _intermediate;
    private readonly X509Certificate2 _leaf;

    public ClientCertificateTests()
    {
        _intermediate = TestCertificates.CreateCa("CN=Client Intermediate CA", _root);
        _leaf = TestCertificates.CreateLeaf(_intermediate, "CN=app", [], [TestCertificates.ClientAuth], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public void Dispose()
    {
        _leaf.Dispose();
        _intermediate.Dispose();
        _root.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Pem_key_next_to_the_certificate_is_found_when_sslkey_is_unset()
    {
        var certificate = WritePem("client.crt", _leaf);
        WriteKey("client.key", _leaf, password: null);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, keyPath: null, password: null, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded!.Context.TargetCertificate.Thumbprint.Should().Be(_leaf.Thumbprint);
        loaded.Context.TargetCertificate.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void Pem_key_is_read_from_sslkey_whatever_its_name()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("app-private.pem", _leaf, password: null);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, key, password: null, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded!.Context.TargetCertificate.Thumbprint.Should().Be(_leaf.Thumbprint);
    }

    [Fact]
    public void Encrypted_pem_key_is_decrypted_with_sslpassword()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, Password);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, key, Password, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded!.Context.TargetCertificate.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void Empty_sslpassword_reads_an_unencrypted_pem_key()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, password: null);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, key, string.Empty, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded.Should().NotBeNull();
    }

    [Fact]
    public void Intermediates_after_the_leaf_in_the_pem_file_are_sent_with_it()
    {
        var certificate = WritePem("client.crt", _leaf, _intermediate);
        var key = WriteKey("client.key", _leaf, password: null);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, key, password: null, CertificateSource, KeySource, problems);

        loaded!.Context.TargetCertificate.Thumbprint.Should().Be(_leaf.Thumbprint);
        loaded.Context.IntermediateCertificates.Select(c => c.Subject).Should().Equal("CN=Client Intermediate CA");
    }

    [Fact]
    public void Pem_file_with_only_the_leaf_sends_no_intermediate()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, password: null);

        using var loaded = ClientCertificate.Load(certificate, key, password: null, CertificateSource, KeySource, new ProblemList());

        loaded!.Context.IntermediateCertificates.Should().BeEmpty();
    }

    [Theory]
    [InlineData("client.p12")]
    [InlineData("client.pfx")]
    [InlineData("CLIENT.PFX")]
    [InlineData("client.P12")]
    public void Pkcs12_file_holds_key_and_chain_and_needs_no_sslkey(string name)
    {
        var certificate = WritePkcs12(name, Password, _leaf, _intermediate);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, keyPath: null, Password, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded!.Context.TargetCertificate.Thumbprint.Should().Be(_leaf.Thumbprint);
        loaded.Context.TargetCertificate.HasPrivateKey.Should().BeTrue();
        loaded.Context.IntermediateCertificates.Select(c => c.Subject).Should().Equal("CN=Client Intermediate CA");
    }

    [Fact]
    public void Pkcs12_file_ignores_sslkey()
    {
        var certificate = WritePkcs12("client.p12", Password, _leaf);
        var problems = new ProblemList();

        using var loaded = ClientCertificate.Load(certificate, Path.Combine(_directory, "missing.key"), Password, CertificateSource, KeySource, problems);

        problems.HasProblems.Should().BeFalse();
        loaded.Should().NotBeNull();
    }

    [Fact]
    public void Dispose_releases_the_leaf_presented_to_servers()
    {
        var certificate = WritePem("client.crt", _leaf);
        WriteKey("client.key", _leaf, password: null);
        var loaded = ClientCertificate.Load(certificate, keyPath: null, password: null, CertificateSource, KeySource, new ProblemList())!;
        var presented = loaded.Context.TargetCertificate;
        presented.Handle.Should().NotBe(IntPtr.Zero);

        loaded.Dispose();

        presented.Handle.Should().Be(IntPtr.Zero);
    }

    [Fact]
    public void Missing_certificate_file_is_reported_under_sslcert()
    {
        var certificate = Path.Combine(_directory, "missing.crt");

        var problem = LoadProblem(certificate, keyPath: null, password: null);

        problem.Should().Be(new ConfigurationProblem("sslcert", CertificateSource,
            $"the client certificate file '{certificate}' does not exist; point sslcert (DB_SSLCERT) at the PEM file of the client certificate, or remove it"));
    }

    [Fact]
    public void Missing_key_file_is_reported_under_sslkey_with_the_path_looked_at()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = Path.Combine(_directory, "client.key");

        var problem = LoadProblem(certificate, keyPath: null, password: null);

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource,
            $"the client key file '{key}' does not exist; point sslkey (DB_SSLKEY) at the client certificate's private key"));
    }

    [Fact]
    public void Pem_key_readable_by_others_is_reported_under_sslkey()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, password: null);
        File.SetUnixFileMode(key, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var problem = LoadProblem(certificate, key, password: null);

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource,
            $"the client key file '{key}' has permissions 0644, so other users can read it; libpq refuses such a file. Run chmod 600 on it " +
            "(or 640 with a root owner; in Kubernetes set the secret volume's defaultMode to 0600 or 0640)"));
    }

    [Fact]
    public void Pkcs12_file_readable_by_others_is_reported_under_sslcert_because_it_holds_the_key()
    {
        var certificate = WritePkcs12("client.p12", Password, _leaf);
        File.SetUnixFileMode(certificate, OwnerOnly | UnixFileMode.OtherRead);

        var problem = LoadProblem(certificate, keyPath: null, Password);

        problem.Should().Be(new ConfigurationProblem("sslcert", CertificateSource,
            $"the client key file '{certificate}' has permissions 0604, so other users can read it; libpq refuses such a file. Run chmod 600 on it " +
            "(or 640 with a root owner; in Kubernetes set the secret volume's defaultMode to 0600 or 0640)"));
    }

    [Fact]
    public void Pkcs12_file_with_a_wrong_password_is_reported_under_sslcert()
    {
        var certificate = WritePkcs12("client.pfx", Password, _leaf);

        var problem = LoadProblem(certificate, keyPath: null, "wrong-password");

        problem.Should().Be(new ConfigurationProblem("sslcert", CertificateSource,
            $"the client certificate '{certificate}' with key '{certificate}' cannot be decrypted with sslpassword, or does not match the certificate"));
    }

    [Fact]
    public void Pkcs12_file_without_a_private_key_is_reported_under_sslcert()
    {
        using var leafWithoutKey = TestCertificates.WithoutPrivateKey(_leaf);
        using var intermediateWithoutKey = TestCertificates.WithoutPrivateKey(_intermediate);
        var path = Path.Combine(_directory, "client.p12");
        File.WriteAllBytes(path, new X509Certificate2Collection { leafWithoutKey, intermediateWithoutKey }.Export(X509ContentType.Pkcs12, string.Empty)!);
        File.SetUnixFileMode(path, OwnerOnly);

        var problem = LoadProblem(path, keyPath: null, password: null);

        problem.Should().Be(new ConfigurationProblem("sslcert", CertificateSource,
            $"the client certificate '{path}' with key '{path}' is not a PEM certificate with its private key (an encrypted key needs sslpassword), or the key does not match the certificate"));
    }

    [Fact]
    public void Wrong_sslpassword_for_a_pem_key_is_reported_under_sslkey()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, Password);

        var problem = LoadProblem(certificate, key, "wrong-password");

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource,
            $"the client certificate '{certificate}' with key '{key}' cannot be decrypted with sslpassword, or does not match the certificate"));
    }

    [Fact]
    public void Key_of_another_certificate_is_reported_under_sslkey()
    {
        using var other = TestCertificates.CreateLeaf(_intermediate, "CN=other", [], [TestCertificates.ClientAuth], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", other, password: null);

        var problem = LoadProblem(certificate, key, password: null);

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource,
            $"the client certificate '{certificate}' with key '{key}' is not a PEM certificate with its private key (an encrypted key needs sslpassword), or the key does not match the certificate"));
    }

    [Fact]
    public void Encrypted_pem_key_without_sslpassword_is_reported_under_sslkey()
    {
        var certificate = WritePem("client.crt", _leaf);
        var key = WriteKey("client.key", _leaf, Password);

        var problem = LoadProblem(certificate, key, password: null);

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource,
            $"the client certificate '{certificate}' with key '{key}' is not a PEM certificate with its private key (an encrypted key needs sslpassword), or the key does not match the certificate"));
    }

    [Fact]
    public void Certificate_path_that_cannot_be_opened_is_reported_as_unreadable()
    {
        // A Unix socket exists as a file but cannot be opened (ENXIO), which .NET reports as an IOException.
        var certificate = Path.Combine(_directory, "client.crt");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(certificate));
        var key = WriteKey("client.key", _leaf, password: null);

        var problem = LoadProblem(certificate, key, password: null);

        problem.Should().Be(new ConfigurationProblem("sslkey", KeySource, $"the client certificate '{certificate}' with key '{key}' cannot be read"));
    }

    private static ConfigurationProblem LoadProblem(string certificatePath, string? keyPath, string? password)
    {
        var problems = new ProblemList();

        var loaded = ClientCertificate.Load(certificatePath, keyPath, password, CertificateSource, KeySource, problems);

        loaded.Should().BeNull();
        return Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny).Problems.Should().ContainSingle().Subject;
    }

    private string WritePem(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private string WriteKey(string name, X509Certificate2 certificate, string? password)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1_000)));
        File.SetUnixFileMode(path, OwnerOnly);
        return path;
    }

    /// <summary>A PKCS#12 file of <paramref name="leaf"/> with its key, then <paramref name="chain"/> without theirs.</summary>
    private string WritePkcs12(string name, string password, X509Certificate2 leaf, params X509Certificate2[] chain)
    {
        var path = Path.Combine(_directory, name);
        var collection = new X509Certificate2Collection(leaf);
        foreach (var certificate in chain)
        {
            collection.Add(TestCertificates.WithoutPrivateKey(certificate));
        }

        File.WriteAllBytes(path, collection.Export(X509ContentType.Pkcs12, password)!);
        foreach (var certificate in collection.Skip(1))
        {
            certificate.Dispose();
        }

        File.SetUnixFileMode(path, OwnerOnly);
        return path;
    }
}
