using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Security;

/// <summary>
/// Attacks on the secure defaults that need no server: each test is named after the attack and asserts that it fails
/// closed, with an error that names the setting and leaks nothing. (Attacks that need a real TLS server are in the
/// integration tests' Security folder.)
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FailOpenAttackTests : IDisposable
{
    private const string Sentinel = "S3ntinel-Secret-9f8e";
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-attack-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Undefined_SslPolicy_from_configuration_binding_cannot_let_plaintext_reach_a_remote_host()
    {
        var options = new ConnectionFactoryOptions { SslPolicy = (SslPolicy)3 };

        var exception = Assert.Throws<ArgumentException>(() => ConnectionFactory.FromUrl("postgresql://u:p@db.example.com/d?sslmode=disable", options));

        exception.ParamName.Should().Be("options");
        exception.Message.Should().Contain("SslPolicy is 3, which is not an SslPolicy; use RequireEncryption (the default), VerifyFull or AllowInsecure.");
    }

    [Theory]
    [InlineData("DB_SSLROOTCERT=${CA}")]
    [InlineData("DB_SSLROOTCERT=$CA")]
    [InlineData("DB_SSLROOTCERT=\"${CA}\"")]
    [InlineData("DB_SSLROOTCERT=\"$CA\"")]
    [InlineData("export DB_SSLROOTCERT=${CA} # the CA of the database")]
    public void Dotenv_reference_to_a_key_of_the_same_file_keeps_the_root_certificate(string line)
    {
        var ca = WriteCaCertificate();
        File.WriteAllText(Path.Combine(_directory, ".env"), $"CA={ca}\nDB_HOST=db.example.com\nDB_NAME=orders\nDB_USER=app\nDB_SSLMODE=require\n{line}\n");

        using var factory = ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?>(), _directory);

        factory.Settings.SslRootCertificate.Should().Be(ca);
        factory.Settings.SslMode.Should().Be(SslMode.VerifyCA, "require with a root certificate verifies the chain, as in libpq");
    }

    [Fact]
    public void Dotenv_reference_inside_a_url_resolves_from_the_file_too()
    {
        var ca = WriteCaCertificate();
        File.WriteAllText(Path.Combine(_directory, ".env"), $"CA={ca}\nDATABASE_URL=\"postgresql://app@db.example.com/orders?sslmode=verify-full&sslrootcert=${{CA}}\"\n");

        using var factory = ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?>(), _directory);

        factory.Settings.SslRootCertificate.Should().Be(ca);
        factory.Settings.SslMode.Should().Be(SslMode.VerifyFull);
    }

    [Fact]
    public void Dotenv_reference_in_single_quotes_stays_literal()
    {
        File.WriteAllText(Path.Combine(_directory, ".env"), "CA=/not/used\nDB_HOST=localhost\nDB_PASSWORD='pa${CA}ss'\n");

        using var factory = ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?>(), _directory);

        factory.Settings.GetPassword().Should().Be("pa${CA}ss");
    }

    [Fact]
    public void Dotenv_reference_prefers_the_environment_like_every_other_setting()
    {
        File.WriteAllText(Path.Combine(_directory, ".env"), "APP=from-file\nDB_HOST=localhost\nDB_USER=${APP}\n");

        using var factory = ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?> { ["APP"] = "from-env" }, _directory);

        factory.Settings.Username.Should().Be("from-env");
    }

    [Fact]
    public void Dotenv_reference_to_a_later_key_is_an_error_not_a_silently_empty_value()
    {
        File.WriteAllText(Path.Combine(_directory, ".env"), "DB_HOST=db.example.com\nDB_SSLMODE=require\nDB_SSLROOTCERT=${CA}\nCA=/etc/ssl/ca.pem\n");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?>(), _directory));

        exception.Key.Should().Be("DB_SSLROOTCERT");
        exception.Message.Should().Contain("line 3");
    }

    [Fact]
    public void Password_with_an_unencoded_slash_after_digits_is_refused_and_never_shown()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl("postgresql://app:2024/Spring@db.example.com/orders"));

        exception.Key.Should().Be("password");
        exception.Message.Should().Contain("%2F");
        exception.ToString().Should().NotContain("Spring").And.NotContain("2024");
    }

    [Theory]
    [InlineData("db.localhost")]
    [InlineData("localhost.localdomain")]
    [InlineData("LOCALHOST.")]
    public void Subdomain_of_localhost_counts_as_remote_so_plaintext_is_refused(string host)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl($"postgresql://u:p@{host}/d?sslmode=disable"));

        exception.Key.Should().Be("sslmode");
        exception.Message.Should().Contain("SslPolicy.RequireEncryption");
    }

    [Theory]
    [InlineData("connect_timeout=5000", "connect_timeout", "1024")]
    [InlineData("pool_timeout=4300000", "pool_timeout", "about 49 days")]
    [InlineData("pool_timeout=2000h", "pool_timeout", "about 49 days")]
    public void Out_of_range_timeout_is_a_configuration_error_naming_the_key_not_a_raw_exception(string parameter, string key, string range)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl($"postgresql://u:p@localhost/d?{parameter}"));

        exception.Key.Should().Be(key);
        exception.Message.Should().Contain(range);
    }

    public static TheoryData<string> HugeNumbers => new()
    {
        "port=4294967296", "connect_timeout=2147483647", "connect_timeout=99999999999", "keepalives_idle=2147483647", "keepalives_interval=99999999999",
        "pool_max_conns=2147483647", "pool_min_conns=2147483647", "connection_limit=99999999999", "pool_max_conn_lifetime=2147483647",
        "pool_max_conn_idle_time=9999999h", "pool_timeout=2147483647", "pool_timeout=1e308s", "keepalives_idle=-1", "connect_timeout=-2147483648",
    };

    [Theory]
    [MemberData(nameof(HugeNumbers))]
    public void Extreme_number_in_any_parameter_fails_only_as_a_configuration_error(string parameter)
    {
        var exception = Record.Exception(() => ConnectionFactory.FromUrl($"postgresql://u:p@localhost/d?{parameter}").Dispose());

        if (exception is not null)
        {
            exception.Should().BeOfType<ConnectionConfigurationException>();
        }
    }

    [Fact]
    public void Extreme_retry_policy_is_an_argument_error_not_a_broken_timer()
    {
        var options = new ConnectionFactoryOptions { Retry = new RetryPolicy { OverallTimeout = TimeSpan.FromDays(60) } };

        var exception = Assert.Throws<ArgumentException>(() => ConnectionFactory.FromUrl("postgresql://localhost/d", options));

        exception.Message.Should().Contain("Retry.OverallTimeout must be at most");
    }

    [Fact]
    public void Ssl_key_password_never_reaches_the_data_source_connection_string_or_name()
    {
        var (certificate, key) = WriteClientCertificate(encryptedWith: Sentinel);
        var url = $"postgresql://app:{Sentinel}@localhost,127.0.0.1/orders?sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}&sslpassword={Sentinel}";

        using var factory = ConnectionFactory.FromUrl(url);
        var core = ConnectionFactoryCore.Of(factory)!;

        factory.DataSource.ConnectionString.Should().NotContain(Sentinel);
        foreach (var host in core.Hosts)
        {
            host.DataSource.ConnectionString.Should().NotContain(Sentinel);
        }
    }

    [Fact]
    public void Wrong_ssl_key_password_is_reported_at_creation_without_showing_it()
    {
        var (certificate, key) = WriteClientCertificate(encryptedWith: "right-one");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl(
            $"postgresql://app@localhost/orders?sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}&sslpassword={Sentinel}"));

        exception.Key.Should().Be("sslkey");
        exception.Message.Should().Contain("cannot be decrypted with sslpassword");
        exception.ToString().Should().NotContain(Sentinel);
    }

    [Fact]
    public void Client_key_readable_by_others_is_refused_like_libpq_does()
    {
        var (certificate, key) = WriteClientCertificate(encryptedWith: null);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl(
            $"postgresql://app@localhost/orders?sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}"));

        exception.Key.Should().Be("sslkey");
        exception.Message.Should().Contain("0644").And.Contain("chmod 600");
    }

    [Fact]
    public async Task Secret_file_that_is_a_fifo_is_refused_without_blocking()
    {
        var fifo = Path.Combine(_directory, "password-fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }

        var read = Task.Run(() => Record.Exception(() => ConnectionFactory.FromVariables(new Dictionary<string, string?> { ["DB_HOST"] = "localhost", ["DB_PASSWORD_FILE"] = fifo })));

        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30)));
        finished.Should().BeSameAs(read, "a FIFO without a writer must not block the caller");
        (await read).Should().BeOfType<ConnectionConfigurationException>().Which.Message.Should().Contain("is not a regular file");
    }

    [Fact]
    public void Secret_file_larger_than_any_secret_is_refused()
    {
        var big = Path.Combine(_directory, "big");
        File.WriteAllText(big, new string('x', 100_000));

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromVariables(new Dictionary<string, string?> { ["DB_HOST"] = "localhost", ["DB_PASSWORD_FILE"] = big }));

        exception.Key.Should().Be("DB_PASSWORD_FILE");
        exception.Message.Should().Contain("65536 bytes");
    }

    [Fact]
    public void Json_serialization_of_settings_writes_no_password()
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://app:{Sentinel}@db.example.com/orders?sslpassword={Sentinel}&sslmode=require");

        var json = JsonSerializer.Serialize(settings);

        json.Should().NotContain(Sentinel);
        json.Should().Contain("\"HasPassword\":true");
        settings.GetPassword().Should().Be(Sentinel);
        settings.GetSslPassword().Should().Be(Sentinel);
    }

    [Fact]
    public void Gss_encryption_cannot_stand_in_for_a_verified_certificate_under_VerifyFull()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl(
            "postgresql://app@db.example.com/orders?sslmode=verify-full&sslrootcert=system&gssencmode=prefer",
            new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull }));

        exception.Key.Should().Be("gssencmode");
        exception.Message.Should().Contain("checks no server certificate");
    }

    [Fact]
    public void Later_ssl_true_that_lowers_verify_full_is_logged_as_a_warning()
    {
        var ca = WriteCaCertificate();
        var logs = new ListLoggerProvider();
        using var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));

        using var factory = ConnectionFactory.FromUrl($"postgresql://app@db.example.com/orders?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(ca)}&ssl=true",
            new ConnectionFactoryOptions { LoggerFactory = loggerFactory });

        factory.Settings.SslMode.Should().Be(SslMode.VerifyCA, "libpq lets the later ssl=true win, and require with a root certificate is verify-ca");
        logs.Messages.Should().Contain(m => m.Contains("ssl=true after sslmode=verify-full lowers it to sslmode=require", StringComparison.Ordinal));
    }

    [Fact]
    public void Connection_string_in_configuration_gets_the_root_certificate_from_DB_SSLROOTCERT_like_DATABASE_URL_does()
    {
        var ca = WriteCaCertificate();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Default"] = "postgresql://app@db.example.com/orders?sslmode=require",
            ["DB_SSLROOTCERT"] = ca,
        }).Build();

        using var factory = ConnectionFactory.FromConfiguration(configuration);

        factory.Settings.SslRootCertificate.Should().Be(ca);
        factory.Settings.SslMode.Should().Be(SslMode.VerifyCA);
    }

    [Fact]
    public void Hook_that_moves_Host_to_another_server_is_refused()
    {
        var options = new ConnectionFactoryOptions { ConfigureDataSource = b => b.ConnectionStringBuilder.Host = "db.attacker.example" };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl("postgresql://u:p@localhost/d?sslmode=prefer", options));

        exception.Key.Should().Be("ConfigureDataSource");
        exception.Message.Should().Contain("ConfigureDataSource changed Host").And.Contain("set host in the URL or variables instead");
    }

    [Theory]
    [InlineData("SslMode")]
    [InlineData("Password")]
    [InlineData("GssEncryptionMode")]
    public void Hook_that_changes_a_security_setting_is_refused(string property)
    {
        Action<NpgsqlDataSourceBuilder> hook = property switch
        {
            "SslMode" => b => b.ConnectionStringBuilder.SslMode = SslMode.Disable,
            "Password" => b => b.ConnectionStringBuilder.Password = "other",
            _ => b => b.ConnectionStringBuilder.GssEncryptionMode = GssEncryptionMode.Require,
        };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl(
            "postgresql://u:p@db.example.com/d?sslmode=require", new ConnectionFactoryOptions { ConfigureDataSource = hook }));

        exception.Message.Should().Contain($"ConfigureDataSource changed {property}");
    }

    [Fact]
    public void Hook_that_installs_its_own_root_certificate_is_refused_rather_than_ignored()
    {
        var options = new ConnectionFactoryOptions { ConfigureDataSource = b => b.UseRootCertificateCallback(() => null!) };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl("postgresql://u:p@localhost/d", options));

        exception.Message.Should().Contain("sslrootcert");
    }

    [Fact]
    public void Guard_can_see_the_callbacks_a_hook_sets_with_this_Npgsql_version()
        => ConfigureDataSourceGuard.CanInspectCallbacks.Should().BeTrue("an Npgsql upgrade renamed the fields the guard reads; update ConfigureDataSourceGuard");

    private string WriteCaCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Attack Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_directory, "ca-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private (string Certificate, string Key) WriteClientCertificate(string? encryptedWith)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=app", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(_directory, "client.crt");
        var keyPath = Path.Combine(_directory, "client.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, encryptedWith is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(encryptedWith, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (certificatePath, keyPath);
    }
}
