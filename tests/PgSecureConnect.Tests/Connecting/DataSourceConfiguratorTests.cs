using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Tests.Security;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// The data sources a factory builds, seen through the builder a <see cref="ConnectionFactoryOptions.ConfigureDataSource"/>
/// hook receives (it shows what the factory configured) and the TLS callback the factory installed on it last. No network.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataSourceConfiguratorTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2031, 3, 15, 10, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-datasource-").FullName;
    private readonly List<IDisposable> _disposables = [];
    private readonly List<NpgsqlDataSourceBuilder> _builders = [];
    private readonly List<ScriptedServer> _servers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A factory whose every data source builder is kept (in the order they were built) for the test to read.</summary>
    private IConnectionFactory Factory(string url, ConnectionFactoryOptions? options = null)
    {
        options ??= new ConnectionFactoryOptions();
        var hook = options.ConfigureDataSource;
        options.ConfigureDataSource = b =>
        {
            hook?.Invoke(b);
            _builders.Add(b);
        };
        options.TimeProvider = new FakeTimeProvider(Now);
        var factory = ConnectionFactory.FromUrl(url, options);
        _disposables.Add(factory);
        return factory;
    }

    private NpgsqlConnectionStringBuilder Configured(string url, ConnectionFactoryOptions? options = null)
    {
        Factory(url, options);
        return _builders.Should().ContainSingle().Subject.ConnectionStringBuilder;
    }

    /// <summary>The TLS options callback installed last on <paramref name="builder"/> (read the way the guard reads it), run on fresh options.</summary>
    private static SslClientAuthenticationOptions RunTlsCallback(NpgsqlDataSourceBuilder builder, Action<SslClientAuthenticationOptions>? before = null)
    {
        var callback = (Action<SslClientAuthenticationOptions>)ConfigureDataSourceGuard.Snapshot(builder)[^4]!;
        var options = new SslClientAuthenticationOptions { TargetHost = "db.example.com" };
        before?.Invoke(options);
        callback(options);
        return options;
    }

    private string WriteCa(X509Certificate2 ca)
    {
        var path = Path.Combine(_directory, "ca-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }

    private X509Certificate2 Keep(X509Certificate2 certificate)
    {
        _disposables.Add(certificate);
        return certificate;
    }

    [Fact]
    public void No_secret_is_left_in_the_connection_string_Npgsql_gets()
    {
        var passfile = Path.Combine(_directory, "pgpass");
        File.WriteAllText(passfile, "*:*:*:*:x\n");

        var configured = Configured($"postgresql://app:s3cret@localhost/orders?passfile={Uri.EscapeDataString(passfile)}");

        configured.Password.Should().BeNull("Npgsql gets the password through the password provider");
        configured.Passfile.Should().BeNull("the password file is read by the password provider, not by Npgsql");
        configured.SslPassword.Should().BeNull();
        configured.Username.Should().Be("app");
        configured.Database.Should().Be("orders");
    }

    [Theory]
    [InlineData("verify-full", SslMode.Require)]
    [InlineData("verify-ca", SslMode.Require)]
    [InlineData("require", SslMode.Require)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("disable", SslMode.Disable)]
    public void Verification_is_the_factorys_so_Npgsql_is_asked_only_for_encryption(string sslmode, SslMode npgsqlMode)
    {
        var ca = WriteCa(Keep(TestCertificates.CreateCa("CN=Test CA")));

        var configured = Configured($"postgresql://app@localhost/orders?sslmode={sslmode}&sslrootcert={Uri.EscapeDataString(ca)}");

        configured.SslMode.Should().Be(npgsqlMode);
        configured.RootCertificate.Should().BeNull("the root certificates are read once by the factory, not per connection by Npgsql");
    }

    [Fact]
    public void A_missing_user_is_the_operating_system_user_not_PGUSER()
        => Configured("postgresql://localhost/orders").Username.Should().Be(Environment.UserName);

    [Fact]
    public void Settings_Npgsql_would_take_from_PG_variables_are_given_explicitly()
    {
        var configured = Configured("postgresql://app@localhost/orders");

        configured.ClientEncoding.Should().Be("UTF8");
        configured.SslNegotiation.Should().Be(SslNegotiation.Postgres);
        configured.RequireAuth.Should().Be("Password,MD5,GSS,SSPI,ScramSHA256,None");
        configured.TargetSessionAttributes.Should().BeNull("a single-host data source takes none");
    }

    [Fact]
    public void Settings_that_are_given_are_kept()
    {
        var configured = Configured("postgresql://app@localhost/orders?sslmode=require&sslnegotiation=direct&require_auth=scram-sha-256");

        configured.SslNegotiation.Should().Be(SslNegotiation.Direct);
        configured.RequireAuth.Should().Be("ScramSHA256");
    }

    [Fact]
    public void Each_server_gets_its_own_single_host_data_source()
    {
        var factory = Factory("postgresql://app@db1.example.com:5433,db2.example.com:5434/orders?sslmode=require&target_session_attrs=read-write");

        _builders.Select(b => (b.ConnectionStringBuilder.Host, b.ConnectionStringBuilder.Port)).Should().Equal(("db1.example.com", 5433), ("db2.example.com", 5434));
        _builders.Should().OnlyContain(b => b.ConnectionStringBuilder.TargetSessionAttributes == null, "the factory checks the session itself");
        ConnectionFactoryCore.Of(factory)!.Hosts.Select(h => h.PoolName).Should().Equal("db1.example.com:5433", "db2.example.com:5434");
    }

    [Theory]
    [InlineData("", "any")]
    [InlineData("&target_session_attrs=prefer-standby", "prefer-standby")]
    public void The_multi_host_data_source_gets_every_server_and_a_target_session_attrs_of_its_own(string parameter, string target)
    {
        var factory = Factory($"postgresql://app@db1.example.com:5433,db2.example.com:5434/orders?sslmode=require{parameter}");

        _ = factory.DataSource;

        var multiHost = _builders.Should().HaveCount(3).And.Subject.Last().ConnectionStringBuilder;
        multiHost.Host.Should().Be("db1.example.com:5433,db2.example.com:5434");
        multiHost.TargetSessionAttributes.Should().Be(target, "Npgsql would read PGTARGETSESSIONATTRS otherwise");
    }

    [Theory]
    [InlineData(null, "db.example.com:5432")]
    [InlineData("orders", "orders/db.example.com:5432")]
    public void Data_sources_are_named_without_secrets(string? name, string dataSourceName)
    {
        Factory("postgresql://app:s3cret@db.example.com/orders?sslmode=require", new ConnectionFactoryOptions { Name = name });

        _builders.Single().Name.Should().Be(dataSourceName);
    }

    [Theory]
    [InlineData("", "", 10)]
    [InlineData("", "&connect_timeout=0", 30)]
    [InlineData("", "&connect_timeout=45", 30)]
    [InlineData("", "&pool_timeout=3", 3)]
    [InlineData("", "&pool_timeout=3&connect_timeout=2", 2)]
    [InlineData("5.9", "", 5)]
    [InlineData("0.3", "", 1)]
    [InlineData("infinite", "", 10)]
    [InlineData("infinite", "&connect_timeout=0", 0)]
    [InlineData("2000", "&connect_timeout=0", 1024)]
    public void Npgsqls_timeout_keeps_the_first_attempt_within_the_overall_timeout(string overallSeconds, string parameters, int timeout)
    {
        var retry = overallSeconds switch
        {
            "" => RetryPolicy.Default,
            "infinite" => new RetryPolicy { OverallTimeout = Timeout.InfiniteTimeSpan },
            _ => new RetryPolicy { OverallTimeout = TimeSpan.FromSeconds(double.Parse(overallSeconds, System.Globalization.CultureInfo.InvariantCulture)) },
        };

        Configured($"postgresql://app@localhost/orders?sslmode=disable{parameters}", new ConnectionFactoryOptions { Retry = retry }).Timeout.Should().Be(timeout);
    }

    [Theory]
    [InlineData("", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData("&ssl_min_protocol_version=TLSv1.3", SslProtocols.Tls13)]
    [InlineData("&ssl_max_protocol_version=TLSv1.2", SslProtocols.Tls12)]
    [InlineData("&ssl_min_protocol_version=TLSv1.2", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData("&ssl_max_protocol_version=TLSv1.3", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData("&ssl_min_protocol_version=TLSv1.2&ssl_max_protocol_version=TLSv1.2", SslProtocols.Tls12)]
    [InlineData("&ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.3", SslProtocols.Tls13)]
    public void The_TLS_versions_are_TLS_1_2_and_later_within_the_configured_range(string parameters, SslProtocols enabled)
    {
        Factory($"postgresql://app@db.example.com/orders?sslmode=require{parameters}");

        RunTlsCallback(_builders.Single()).EnabledSslProtocols.Should().Be(enabled);
    }

    [Fact]
    public void A_hook_cannot_lower_the_TLS_version_through_its_own_TLS_callback()
    {
        Factory("postgresql://app@db.example.com/orders?sslmode=require", new ConnectionFactoryOptions
        {
            ConfigureDataSource = b => b.UseSslClientAuthenticationOptionsCallback(o =>
            {
                o.EnabledSslProtocols = SslProtocols.None;
                o.AllowRenegotiation = false;
            }),
        });

        var options = RunTlsCallback(_builders.Single(), o => o.AllowRenegotiation = true);

        options.EnabledSslProtocols.Should().Be(SslProtocols.Tls12 | SslProtocols.Tls13);
        options.AllowRenegotiation.Should().BeFalse("what the hook tunes and the factory does not decide is kept");
    }

    [Fact]
    public void Certificate_chains_are_built_without_downloading_anything()
    {
        Factory("postgresql://app@db.example.com/orders?sslmode=require");

        var first = RunTlsCallback(_builders.Single()).CertificateChainPolicy!;
        var second = RunTlsCallback(_builders.Single()).CertificateChainPolicy!;

        first.DisableCertificateDownloads.Should().BeTrue();
        first.RevocationMode.Should().Be(X509RevocationMode.NoCheck);
        first.ApplicationPolicy.Cast<Oid>().Select(o => o.Value).Should().Equal("1.3.6.1.5.5.7.3.1");
        second.Should().NotBeSameAs(first, "each handshake gets its own copy");
    }

    [Fact]
    public void No_client_certificate_is_presented_but_the_configured_one()
    {
        using var stray = TestCertificates.CreateCa("CN=found in ~/.postgresql");
        Factory("postgresql://app@db.example.com/orders?sslmode=require");

        var options = RunTlsCallback(_builders.Single(), o =>
        {
            o.ClientCertificates = [stray];
            o.LocalCertificateSelectionCallback = (_, _, _, _, _) => stray;
        });

        options.ClientCertificates.Should().BeNull();
        options.LocalCertificateSelectionCallback.Should().BeNull();
        options.ClientCertificateContext.Should().BeNull();
    }

    [Fact]
    public void The_configured_client_certificate_is_presented()
    {
        var (certificate, key) = WriteClientCertificate(encryptedWith: null);
        Factory($"postgresql://app@db.example.com/orders?sslmode=require&sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}");

        var options = RunTlsCallback(_builders.Single());

        options.ClientCertificateContext!.TargetCertificate.Subject.Should().Be("CN=app");
        _builders.Single().ConnectionStringBuilder.SslCertificate.Should().Be(certificate, "an unencrypted key may stay with Npgsql");
        _builders.Single().ConnectionStringBuilder.SslKey.Should().Be(key);
    }

    [Fact]
    public void An_encrypted_client_key_is_decrypted_once_and_never_given_to_Npgsql()
    {
        var (certificate, key) = WriteClientCertificate(encryptedWith: "key-password");
        Factory($"postgresql://app@db.example.com/orders?sslmode=require&sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}&sslpassword=key-password");

        var configured = _builders.Single().ConnectionStringBuilder;

        configured.SslCertificate.Should().BeNull();
        configured.SslKey.Should().BeNull();
        configured.SslPassword.Should().BeNull();
        RunTlsCallback(_builders.Single()).ClientCertificateContext!.TargetCertificate.Subject.Should().Be("CN=app");
    }

    [Theory]
    [InlineData("sslmode=disable")]
    [InlineData("sslmode=require&sslcertmode=disable")]
    public void A_client_certificate_that_is_never_presented_is_not_read(string parameters)
    {
        var missing = Path.Combine(_directory, "absent.crt");

        Factory($"postgresql://app@localhost/orders?{parameters}&sslcert={Uri.EscapeDataString(missing)}");

        RunTlsCallback(_builders.Single()).ClientCertificateContext.Should().BeNull();
        _builders.Single().ConnectionStringBuilder.SslCertificate.Should().BeNull();
    }

    [Fact]
    public void A_missing_client_certificate_is_a_configuration_error_at_creation()
    {
        var missing = Path.Combine(_directory, "absent.crt");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory($"postgresql://app@localhost/orders?sslmode=require&sslcert={Uri.EscapeDataString(missing)}"));

        exception.Key.Should().Be("sslcert");
    }

    [Fact]
    public void A_certificate_from_another_CA_is_rejected_and_the_reason_goes_to_the_servers_attempt_report()
    {
        using var ca = TestCertificates.CreateCa("CN=Test CA");
        using var other = TestCertificates.CreateCa("CN=Other CA");
        using var server = TestCertificates.CreateLeaf(other, "CN=db.example.com", ["db.example.com"], [TestCertificates.ServerAuth], Now.AddDays(-1), Now.AddDays(30));
        var factory = Factory($"postgresql://app@db.example.com/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}");
        var host = ConnectionFactoryCore.Of(factory)!.Hosts.Single();

        var accepted = RunTlsCallback(_builders.Single()).RemoteCertificateValidationCallback!(this, server, null, SslPolicyErrors.None);

        accepted.Should().BeFalse();
        host.TakeCertificateRejection().Should().Be("certificate verification failed: it is not signed by the CA in sslrootcert (issuer: CN=Other CA)");
        host.Certificate!.ChainVerified.Should().BeFalse();
    }

    [Fact]
    public void A_certificate_from_the_CA_in_sslrootcert_is_accepted_and_seen_by_the_server_state()
    {
        using var ca = TestCertificates.CreateCa("CN=Test CA");
        using var server = TestCertificates.CreateLeaf(ca, "CN=db.example.com", ["db.example.com"], [TestCertificates.ServerAuth], Now.AddDays(-1), Now.AddDays(30));
        var factory = Factory($"postgresql://app@db.example.com/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}");
        var host = ConnectionFactoryCore.Of(factory)!.Hosts.Single();

        var accepted = RunTlsCallback(_builders.Single()).RemoteCertificateValidationCallback!(this, server, null, SslPolicyErrors.None);

        accepted.Should().BeTrue();
        host.TakeCertificateRejection().Should().BeNull();
        host.Certificate.Should().Be(new PgSecureConnect.Security.ServerCertificateInfo(new DateTimeOffset(2031, 4, 14, 10, 0, 0, TimeSpan.Zero), ChainVerified: true, HostNameVerified: false, "CN=db.example.com"));
    }

    [Fact]
    public void The_multi_host_data_source_verifies_certificates_too()
    {
        using var ca = TestCertificates.CreateCa("CN=Test CA");
        using var other = TestCertificates.CreateCa("CN=Other CA");
        using var server = TestCertificates.CreateLeaf(other, "CN=db.example.com", ["db.example.com"], [TestCertificates.ServerAuth], Now.AddDays(-1), Now.AddDays(30));
        var factory = Factory($"postgresql://app@db1.example.com,db2.example.com/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}");
        _ = factory.DataSource;

        RunTlsCallback(_builders[^1]).RemoteCertificateValidationCallback!(this, server, null, SslPolicyErrors.None).Should().BeFalse();
        ConnectionFactoryCore.Of(factory)!.Hosts.Should().OnlyContain(h => h.Certificate == null, "no server's state is touched by the multi-host data source");
    }

    [Fact]
    public void Without_verification_any_certificate_is_accepted_but_still_seen()
    {
        using var other = TestCertificates.CreateCa("CN=Other CA");
        using var server = TestCertificates.CreateLeaf(other, "CN=db.example.com", ["db.example.com"], [TestCertificates.ServerAuth], Now.AddDays(-1), Now.AddDays(30));
        var factory = Factory("postgresql://app@db.example.com/orders?sslmode=require");

        RunTlsCallback(_builders.Single()).RemoteCertificateValidationCallback!(this, server, null, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeTrue();
        ConnectionFactoryCore.Of(factory)!.Hosts.Single().Certificate!.Subject.Should().Be("CN=db.example.com");
    }

    [Fact]
    public void A_missing_root_certificate_file_is_a_configuration_error_naming_sslrootcert()
    {
        var missing = Path.Combine(_directory, "absent.pem");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory($"postgresql://app@localhost/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(missing)}"));

        exception.Key.Should().Be("sslrootcert");
        exception.Problems.Single().Message.Should().Be(
            $"the root certificate file '{missing}' does not exist; point sslrootcert (DB_SSLROOTCERT) at the PEM file of the CA that signed the server's certificate, or use sslrootcert=system for a public CA");
    }

    [Fact]
    public void A_root_certificate_file_in_a_missing_directory_does_not_exist_either()
    {
        var missing = Path.Combine(_directory, "nowhere", "ca.pem");

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory($"postgresql://app@localhost/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(missing)}"));

        exception.Problems.Single().Message.Should().StartWith($"the root certificate file '{missing}' does not exist;");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a certificate\n")]
    public void A_root_certificate_file_without_a_PEM_certificate_is_a_configuration_error(string content)
    {
        var path = Path.Combine(_directory, "empty.pem");
        File.WriteAllText(path, content);

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory($"postgresql://app@localhost/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(path)}"));

        exception.Key.Should().Be("sslrootcert");
        exception.Problems.Single().Message.Should().StartWith($"the root certificate file '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----); point sslrootcert");
    }

    [Fact]
    public void A_root_certificate_path_that_cannot_be_read_is_a_configuration_error()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory($"postgresql://app@localhost/orders?sslmode=verify-ca&sslrootcert={Uri.EscapeDataString(_directory)}"));

        exception.Problems.Single().Message.Should().StartWith($"the root certificate file '{_directory}' cannot be read by this process;");
    }

    [Fact]
    public void A_root_certificate_file_is_not_read_when_TLS_is_off()
    {
        var missing = Path.Combine(_directory, "absent.pem");

        var build = () => Factory($"postgresql://app@localhost/orders?sslmode=disable&sslrootcert={Uri.EscapeDataString(missing)}");

        build.Should().NotThrow();
    }

    [Fact]
    public void The_system_trust_store_is_not_a_file()
    {
        var build = () => Factory("postgresql://app@db.example.com/orders?sslmode=verify-full&sslrootcert=system");

        build.Should().NotThrow();
    }

    [Fact]
    public void Npgsql_refusing_what_a_hook_left_is_reported_as_the_hooks_doing()
    {
        var options = new ConnectionFactoryOptions { ConfigureDataSource = b => b.ConnectionStringBuilder.MinPoolSize = 500 };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => Factory("postgresql://app@localhost/orders", options));

        exception.Key.Should().Be("ConfigureDataSource");
        exception.Problems.Single().Source.Should().Be(new SettingSource(SettingSourceKind.Policy, "ConfigureDataSource", "ConnectionFactoryOptions.ConfigureDataSource"));
        exception.Message.Should().Contain("Npgsql refused the data source as ConfigureDataSource left it: ");
    }

    [Fact]
    public async Task The_password_reaches_the_server_through_the_password_provider()
    {
        await using var server = new ScriptedServer(new ServerScript(Password: "s3cret"));
        var factory = Factory($"postgresql://app:s3cret@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions { ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        await using (await factory.OpenConnectionAsync())
        {
        }

        server.Passwords.Should().Equal("s3cret");
        _builders.Single().ConnectionStringBuilder.Password.Should().BeNull();
    }

    [Fact]
    public async Task Npgsql_logs_to_the_factorys_logger_factory()
    {
        var logger = new RecordingLogger();
        await using var server = new ScriptedServer(ServerScript.Primary);
        var factory = Factory($"postgresql://app:pw@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions { LoggerFactory = logger, ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        await using (await factory.OpenConnectionAsync())
        {
        }

        logger.Entries.Should().Contain(e => e.Message.StartsWith($"Opened physical connection to 127.0.0.1:{server.Port}/orders", StringComparison.Ordinal));
    }

    /// <summary>A loopback server that answers TLS with a certificate for localhost issued by <paramref name="issuer"/>.</summary>
    private ScriptedServer TlsServer(X509Certificate2 issuer, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13, bool askForClientCertificate = false)
    {
        var certificate = Keep(TestCertificates.CreateLeaf(issuer, "CN=localhost", ["localhost"], [TestCertificates.ServerAuth], Now.AddDays(-1), Now.AddDays(30)));
        var server = new ScriptedServer(ServerScript.Primary with { Tls = new ServerTls(certificate, protocols, askForClientCertificate) });
        _servers.Add(server);
        return server;
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_ends_the_open_with_the_reason_in_the_attempt_report()
    {
        var ca = Keep(TestCertificates.CreateCa("CN=Test CA"));
        var server = TlsServer(Keep(TestCertificates.CreateCa("CN=Other CA")));
        var factory = Factory($"postgresql://app:pw@localhost:{server.Port}/orders?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}",
            new ConnectionFactoryOptions { ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        failure.Attempts[^1].Error.Should().Be("certificate verification failed: it is not signed by the CA in sslrootcert (issuer: CN=Other CA)");
        failure.Message.Should().Contain("a certificate verification failure is not retried");
    }

    [Fact]
    public async Task Hook_that_accepts_any_certificate_cannot_get_past_verification_in_a_real_handshake()
    {
        var ca = Keep(TestCertificates.CreateCa("CN=Test CA"));
        var server = TlsServer(Keep(TestCertificates.CreateCa("CN=Attacker CA")));
        var factory = Factory($"postgresql://app:pw@localhost:{server.Port}/orders?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}", new ConnectionFactoryOptions
        {
            ConfigureDataSource = b =>
            {
                ScriptedServer.WithoutTypeLoading(b);
                b.UseSslClientAuthenticationOptionsCallback(o => o.RemoteCertificateValidationCallback = (_, _, _, _) => AcceptAnything());
            },
        });

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
    }

    [Fact]
    public async Task A_certificate_issued_for_the_host_by_the_CA_in_sslrootcert_is_accepted_and_remembered()
    {
        var ca = Keep(TestCertificates.CreateCa("CN=Test CA"));
        var server = TlsServer(ca);
        var factory = Factory($"postgresql://app:pw@localhost:{server.Port}/orders?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(WriteCa(ca))}",
            new ConnectionFactoryOptions { ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        await using (await factory.OpenConnectionAsync())
        {
        }

        ConnectionFactoryCore.Of(factory)!.Hosts.Single().Certificate.Should().Be(
            new PgSecureConnect.Security.ServerCertificateInfo(new DateTimeOffset(2031, 4, 14, 10, 0, 0, TimeSpan.Zero), ChainVerified: true, HostNameVerified: true, "CN=localhost"));
    }

    [Fact]
    public async Task The_configured_client_certificate_is_presented_to_a_server_that_asks_for_one()
    {
        var server = TlsServer(Keep(TestCertificates.CreateCa("CN=Server CA")), askForClientCertificate: true);
        var (certificate, key) = WriteClientCertificate(encryptedWith: "key-password");
        var factory = Factory($"postgresql://app:pw@localhost:{server.Port}/orders?sslmode=require&sslcert={Uri.EscapeDataString(certificate)}&sslkey={Uri.EscapeDataString(key)}&sslpassword=key-password",
            new ConnectionFactoryOptions { ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        await using (await factory.OpenConnectionAsync())
        {
        }

        server.ClientCertificates.Should().Equal("CN=app");
    }

    [Fact]
    public async Task A_server_that_only_speaks_an_older_TLS_version_than_allowed_is_refused()
    {
        var server = TlsServer(Keep(TestCertificates.CreateCa("CN=Server CA")), protocols: SslProtocols.Tls12);
        var factory = Factory($"postgresql://app:pw@localhost:{server.Port}/orders?sslmode=require&ssl_min_protocol_version=TLSv1.3",
            new ConnectionFactoryOptions { ConfigureDataSource = ScriptedServer.WithoutTypeLoading });

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.TlsUnavailable);
        failure.Attempts[^1].Error.Should().StartWith("TLS handshake failed: ");
    }

    private static bool AcceptAnything() => true;

    private (string Certificate, string Key) WriteClientCertificate(string? encryptedWith)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=app", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
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
