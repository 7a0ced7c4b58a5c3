using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Internal;

// The hooks below are the attacks: they call the obsolete certificate APIs and accept any certificate on purpose.
#pragma warning disable CS0618, CA5359

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// Attacks through <see cref="ConnectionFactoryOptions.ConfigureDataSource"/>: a hook (a library's, a copied snippet, a
/// compromised dependency) that tries to move the connection elsewhere or weaken TLS is refused or overruled; one that
/// only tunes TLS keeps its changes.
/// </summary>
public sealed class ConfigureDataSourceGuardTests
{
    private const string Settings = "Host=db.internal;Port=5432;Username=app;SSL Mode=Require";

    private static readonly SettingSource HookSource = new(SettingSourceKind.Policy, "ConfigureDataSource", "ConnectionFactoryOptions.ConfigureDataSource");

    /// <summary>Runs <paramref name="hook"/> on a builder the way the factory does; the problems it caused and the TLS callback to compose.</summary>
    private static (List<ConfigurationProblem> Problems, Action<SslClientAuthenticationOptions>? Callback) Inspect(Action<NpgsqlDataSourceBuilder> hook, Action<SslClientAuthenticationOptions>? ours = null)
    {
        var builder = new NpgsqlDataSourceBuilder(Settings);
        ours ??= _ => { };
        builder.UseSslClientAuthenticationOptionsCallback(ours);
        var before = ConfigureDataSourceGuard.Snapshot(builder);
        hook(builder);
        var problems = new ProblemList();
        var callback = ConfigureDataSourceGuard.Inspect(builder, before, ours, problems);
        var thrown = Record.Exception(problems.ThrowIfAny);
        return (thrown is ConnectionConfigurationException configuration ? [.. configuration.Problems] : [], callback);
    }

    public static TheoryData<string, string, Action<NpgsqlConnectionStringBuilder>> ConnectionAndSecuritySettings => new()
    {
        { "Host", "host", b => b.Host = "db.attacker.example" },
        { "Port", "port", b => b.Port = 6543 },
        { "Username", "user", b => b.Username = "postgres" },
        { "Password", "password", b => b.Password = "guessed" },
        { "Passfile", "passfile", b => b.Passfile = "/home/attacker/.pgpass" },
        { "SslMode", "sslmode", b => b.SslMode = SslMode.Disable },
        { "RootCertificate", "sslrootcert", b => b.RootCertificate = "/tmp/attacker-ca.pem" },
        { "SslCertificate", "sslcert", b => b.SslCertificate = "/tmp/other.crt" },
        { "SslKey", "sslkey", b => b.SslKey = "/tmp/other.key" },
        { "SslPassword", "sslpassword", b => b.SslPassword = "other" },
        { "SslNegotiation", "sslnegotiation", b => b.SslNegotiation = SslNegotiation.Direct },
        { "GssEncryptionMode", "gssencmode", b => b.GssEncryptionMode = GssEncryptionMode.Require },
        { "ChannelBinding", "channel_binding", b => b.ChannelBinding = ChannelBinding.Disable },
        { "RequireAuth", "require_auth", b => b.RequireAuth = "Password" },
        { "TargetSessionAttributes", "target_session_attrs", b => b.TargetSessionAttributes = "any" },
        { "LoadBalanceHosts", "load_balance_hosts", b => b.LoadBalanceHosts = true },
        { "Options", "options", b => b.Options = "-c role=admin" },
    };

    [Theory]
    [MemberData(nameof(ConnectionAndSecuritySettings))]
    public void Hook_that_changes_a_connection_or_security_setting_is_refused_naming_the_keyword_to_use_instead(string property, string keyword, Action<NpgsqlConnectionStringBuilder> change)
    {
        var (problems, _) = Inspect(b => change(b.ConnectionStringBuilder));

        problems.Should().Equal(new ConfigurationProblem("ConfigureDataSource", HookSource,
            $"ConfigureDataSource changed {property}, which PgSecureConnect sets from the connection settings so that the SslPolicy checks them and the factory routes to the right server; " +
            $"set {keyword} in the URL or variables instead"));
    }

    [Fact]
    public void Hook_that_changes_several_settings_is_refused_once_naming_them_all()
    {
        var (problems, _) = Inspect(b =>
        {
            b.ConnectionStringBuilder.Host = "db.attacker.example";
            b.ConnectionStringBuilder.SslMode = SslMode.Allow;
        });

        problems.Should().ContainSingle().Which.Message.Should().Be(
            "ConfigureDataSource changed Host, SslMode, which PgSecureConnect sets from the connection settings so that the SslPolicy checks them and the factory routes to the right server; " +
            "set host, sslmode in the URL or variables instead");
    }

    [Fact]
    public void Hook_that_sets_a_setting_to_the_value_it_already_has_is_accepted()
    {
        var (problems, callback) = Inspect(b =>
        {
            b.ConnectionStringBuilder.Host = "db.internal";
            b.ConnectionStringBuilder.SslMode = SslMode.Require;
        });

        problems.Should().BeEmpty();
        callback.Should().BeNull();
    }

    [Fact]
    public void Hook_that_tunes_pooling_and_commands_is_accepted()
    {
        var (problems, callback) = Inspect(b =>
        {
            b.ConnectionStringBuilder.MaxPoolSize = 7;
            b.ConnectionStringBuilder.CommandTimeout = 120;
            b.EnableParameterLogging(false);
        });

        problems.Should().BeEmpty();
        callback.Should().BeNull();
    }

    [Fact]
    public void Hook_that_replaces_certificate_verification_with_its_own_is_refused()
    {
        var (problems, _) = Inspect(b => b.UseUserCertificateValidationCallback((_, _, _, _) => true));

        problems.Should().Equal(new ConfigurationProblem("ConfigureDataSource", HookSource,
            "ConfigureDataSource called UseUserCertificateValidationCallback or UseClientCertificate(s), which would replace PgSecureConnect's certificate verification; " +
            "use UseSslClientAuthenticationOptionsCallback instead (PgSecureConnect runs it and still verifies the server), and give client certificates in sslcert/sslkey"));
    }

    [Fact]
    public void Hook_that_presents_its_own_client_certificate_is_refused()
    {
        var (problems, _) = Inspect(b => b.UseClientCertificatesCallback(_ => { }));

        problems.Should().ContainSingle().Which.Message.Should().StartWith("ConfigureDataSource called UseUserCertificateValidationCallback or UseClientCertificate(s)");
    }

    [Fact]
    public void Hook_that_trusts_its_own_root_certificate_is_refused_rather_than_silently_ignored()
    {
        var (problems, _) = Inspect(b => b.UseRootCertificateCallback(() => null!));

        problems.Should().Equal(new ConfigurationProblem("ConfigureDataSource", HookSource,
            "ConfigureDataSource called UseRootCertificate(s)(Callback), which PgSecureConnect would not use: give the CA certificate file in sslrootcert (DB_SSLROOTCERT)"));
    }

    [Fact]
    public void Hook_that_both_changes_a_setting_and_replaces_verification_gets_every_problem()
    {
        var (problems, _) = Inspect(b =>
        {
            b.ConnectionStringBuilder.Port = 1;
            b.UseUserCertificateValidationCallback((_, _, _, _) => true);
            b.UseRootCertificateCallback(() => null!);
        });

        problems.Select(p => p.Message[..30]).Should().Equal("ConfigureDataSource changed Po", "ConfigureDataSource called Use", "ConfigureDataSource called Use");
    }

    [Fact]
    public void Hook_that_installs_a_TLS_options_callback_has_it_composed_with_the_factorys()
    {
        Action<SslClientAuthenticationOptions> theirs = o => o.AllowRenegotiation = false;

        var (problems, callback) = Inspect(b => b.UseSslClientAuthenticationOptionsCallback(theirs));

        problems.Should().BeEmpty();
        callback.Should().BeSameAs(theirs);
    }

    [Fact]
    public void Hook_that_reinstalls_the_factorys_own_TLS_callback_has_nothing_to_compose()
    {
        Action<SslClientAuthenticationOptions> ours = _ => { };

        var (_, callback) = Inspect(b => b.UseSslClientAuthenticationOptionsCallback(ours), ours);

        callback.Should().BeNull();
    }

    [Fact]
    public void Hook_that_redirects_the_host_name_checked_by_verify_full_is_overruled()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };

        ConfigureDataSourceGuard.Compose(o => o.TargetHost = "db.attacker.example", _ => { })(options);

        options.TargetHost.Should().Be("db.internal");
    }

    [Fact]
    public void Hook_that_turns_encryption_off_is_overruled()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };

#pragma warning disable SYSLIB0040 // The attack uses the obsolete value on purpose.
        ConfigureDataSourceGuard.Compose(o => o.EncryptionPolicy = EncryptionPolicy.NoEncryption, _ => { })(options);
#pragma warning restore SYSLIB0040

        options.EncryptionPolicy.Should().Be(EncryptionPolicy.RequireEncryption);
    }

    [Fact]
    public void Hook_that_lowers_the_TLS_version_or_swaps_the_client_certificate_is_overruled_by_the_factorys_callback()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };
        using var attackerCertificate = Security.TestCertificates.CreateCa("CN=attacker");

        ConfigureDataSourceGuard.Compose(
            o =>
            {
                o.EnabledSslProtocols = SslProtocols.None;
                o.ClientCertificates = [attackerCertificate];
            },
            o =>
            {
                o.EnabledSslProtocols = SslProtocols.Tls13;
                o.ClientCertificates = null;
            })(options);

        options.EnabledSslProtocols.Should().Be(SslProtocols.Tls13);
        options.ClientCertificates.Should().BeNull();
    }

    [Fact]
    public void The_hooks_own_TLS_tuning_is_kept()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal", AllowRenegotiation = true };

        ConfigureDataSourceGuard.Compose(o => o.AllowRenegotiation = false, _ => { })(options);

        options.AllowRenegotiation.Should().BeFalse();
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, false)]
    public void Hook_that_accepts_any_certificate_cannot_overrule_the_factorys_verification(bool ourVerdict, bool theirVerdict, bool accepted)
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };

        ConfigureDataSourceGuard.Compose(
            o => o.RemoteCertificateValidationCallback = (_, _, _, _) => theirVerdict,
            o => o.RemoteCertificateValidationCallback = (_, _, _, _) => ourVerdict)(options);

        options.RemoteCertificateValidationCallback!(this, null, null, SslPolicyErrors.None).Should().Be(accepted);
    }

    [Fact]
    public void Without_a_certificate_check_of_the_hook_the_factorys_check_is_used_as_it_is()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };
        RemoteCertificateValidationCallback ours = (_, _, _, _) => true;

        ConfigureDataSourceGuard.Compose(_ => { }, o => o.RemoteCertificateValidationCallback = ours)(options);

        options.RemoteCertificateValidationCallback.Should().BeSameAs(ours);
    }

    [Fact]
    public void The_hooks_certificate_check_sees_the_same_certificate_as_the_factorys()
    {
        var options = new SslClientAuthenticationOptions { TargetHost = "db.internal" };
        using var certificate = Security.TestCertificates.CreateCa("CN=server");
        X509Certificate? seen = null;

        ConfigureDataSourceGuard.Compose(
            o => o.RemoteCertificateValidationCallback = (_, c, _, _) =>
            {
                seen = c;
                return true;
            },
            o => o.RemoteCertificateValidationCallback = (_, _, _, _) => true)(options);
        options.RemoteCertificateValidationCallback!(this, certificate, null, SslPolicyErrors.None);

        seen.Should().BeSameAs(certificate);
    }

    [Fact]
    public void Through_the_factory_a_hook_that_changes_the_user_is_refused_with_the_configuration_error()
    {
        var options = new ConnectionFactoryOptions { ConfigureDataSource = b => b.ConnectionStringBuilder.Username = "postgres" };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl("postgresql://app@localhost/db", options));

        exception.Key.Should().Be("ConfigureDataSource");
        exception.Message.Should().Contain("ConfigureDataSource changed Username");
    }

    [Fact]
    public void Through_the_factory_a_hook_that_only_tunes_the_pool_builds_the_data_sources()
    {
        var options = new ConnectionFactoryOptions { ConfigureDataSource = b => b.ConnectionStringBuilder.CommandTimeout = 77 };

        using var factory = ConnectionFactory.FromUrl("postgresql://app@localhost,127.0.0.1/db", options);

        new NpgsqlConnectionStringBuilder(factory.DataSource.ConnectionString).CommandTimeout.Should().Be(77);
        foreach (var host in ConnectionFactoryCore.Of(factory)!.Hosts)
        {
            new NpgsqlConnectionStringBuilder(host.DataSource.ConnectionString).CommandTimeout.Should().Be(77);
        }
    }
}
