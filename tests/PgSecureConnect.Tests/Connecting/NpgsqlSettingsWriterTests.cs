using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>Settings written into an <see cref="NpgsqlConnectionStringBuilder"/> property by property, with libpq's meaning.</summary>
public sealed class NpgsqlSettingsWriterTests
{
    private static readonly ServerEndpoint Db1 = new("db1.internal", 5433);
    private static readonly ServerEndpoint Db2 = new("db2.internal", 5434);

    private static NpgsqlConnectionStringBuilder Write(Action<ConnectionSettingsBuilder> configure, ServerEndpoint[]? servers = null, bool includeTargetSessionAttributes = true)
    {
        var builder = new ConnectionSettingsBuilder { Servers = servers ?? [Db1] };
        configure(builder);
        var settings = builder.Build();
        return NpgsqlSettingsWriter.ToBuilder(settings, settings.Servers, includeTargetSessionAttributes);
    }

    [Fact]
    public void A_value_holding_connection_string_syntax_stays_one_value_and_cannot_add_a_keyword()
    {
        var written = Write(s =>
        {
            s.Password = "p;Host=attacker.example;SSL Mode=Disable";
            s.ApplicationName = "app';Host=attacker.example";
        });

        var reread = new NpgsqlConnectionStringBuilder(written.ConnectionString);

        reread.Host.Should().Be("db1.internal");
        reread.SslMode.Should().Be(SslMode.Prefer, "Npgsql's default: no value smuggled in a keyword");
        reread.Password.Should().Be("p;Host=attacker.example;SSL Mode=Disable");
        reread.ApplicationName.Should().Be("app';Host=attacker.example");
    }

    [Fact]
    public void Security_info_is_never_kept_on_an_open_connection()
        => Write(_ => { }).PersistSecurityInfo.Should().BeFalse();

    [Fact]
    public void Nothing_set_means_libpq_defaults_not_Npgsqls()
    {
        var written = Write(_ => { });

        written.GssEncryptionMode.Should().Be(GssEncryptionMode.Disable, "Npgsql would prefer GSS and load Kerberos libraries");
        written.TcpKeepAlive.Should().BeTrue("libpq turns keepalives on");
        written.KerberosServiceName.Should().Be("postgres");
        written.Timeout.Should().Be(15, "Npgsql's default stays when no connect_timeout is set");
        written.TargetSessionAttributes.Should().BeNull();
        written.LoadBalanceHosts.Should().BeFalse();
        written.NoResetOnClose.Should().BeFalse();
        written.TcpKeepAliveTime.Should().Be(0);
        written.TcpKeepAliveInterval.Should().Be(0);
        written.MinPoolSize.Should().Be(0);
        written.MaxPoolSize.Should().Be(100);
    }

    [Fact]
    public void One_server_is_written_as_host_and_port()
    {
        var written = Write(_ => { });

        written.Host.Should().Be("db1.internal");
        written.Port.Should().Be(5433);
    }

    [Fact]
    public void Several_servers_are_written_as_a_host_list_with_their_ports()
    {
        var written = Write(_ => { }, [Db1, Db2]);

        written.Host.Should().Be("db1.internal:5433,db2.internal:5434");
    }

    [Fact]
    public void Identity_and_session_settings_are_written()
    {
        var written = Write(s =>
        {
            s.Database = "orders";
            s.Username = "app";
            s.Password = "secret";
            s.Passfile = "/run/secrets/pgpass";
            s.ApplicationName = "billing";
            s.Options = "-c statement_timeout=5s";
            s.SearchPath = "sales,public";
            s.ClientEncoding = "LATIN1";
            s.KerberosServiceName = "pgkrb";
            s.GssEncryptionMode = GssEncryptionMode.Prefer;
        });

        written.Database.Should().Be("orders");
        written.Username.Should().Be("app");
        written.Password.Should().Be("secret");
        written.Passfile.Should().Be("/run/secrets/pgpass");
        written.ApplicationName.Should().Be("billing");
        written.Options.Should().Be("-c statement_timeout=5s");
        written.SearchPath.Should().Be("sales,public");
        written.ClientEncoding.Should().Be("LATIN1");
        written.KerberosServiceName.Should().Be("pgkrb");
        written.GssEncryptionMode.Should().Be(GssEncryptionMode.Prefer);
    }

    [Theory]
    [InlineData(SslMode.Require, "/etc/ca.pem", SslMode.VerifyCA, "/etc/ca.pem")]
    [InlineData(SslMode.Require, null, SslMode.Require, null)]
    [InlineData(SslMode.VerifyFull, "/etc/ca.pem", SslMode.VerifyFull, "/etc/ca.pem")]
    [InlineData(SslMode.Prefer, "/etc/ca.pem", SslMode.Prefer, "/etc/ca.pem")]
    [InlineData(null, "system", SslMode.VerifyFull, null)]
    [InlineData(SslMode.Require, "system", SslMode.Require, null)]
    [InlineData(SslMode.VerifyCA, "system", SslMode.VerifyCA, null)]
    [InlineData(null, null, SslMode.Prefer, null)]
    [InlineData(null, "/etc/ca.pem", SslMode.Prefer, "/etc/ca.pem")]
    public void Sslmode_and_root_certificate_get_libpqs_meaning(SslMode? mode, string? rootCertificate, SslMode expectedMode, string? expectedRootCertificate)
    {
        var written = Write(s =>
        {
            s.SslMode = mode;
            s.SslRootCertificate = rootCertificate;
        });

        written.SslMode.Should().Be(expectedMode);
        written.RootCertificate.Should().Be(expectedRootCertificate);
    }

    [Fact]
    public void The_client_certificate_and_its_key_password_are_written()
    {
        var written = Write(s =>
        {
            s.SslCertificate = "/certs/client.crt";
            s.SslKey = "/certs/client.key";
            s.SslPassword = "key-password";
        });

        written.SslCertificate.Should().Be("/certs/client.crt");
        written.SslKey.Should().Be("/certs/client.key");
        written.SslPassword.Should().Be("key-password");
    }

    [Fact]
    public void With_sslcertmode_disable_no_client_certificate_is_written()
    {
        var written = Write(s =>
        {
            s.SslCertificate = "/certs/client.crt";
            s.SslKey = "/certs/client.key";
            s.ClientCertificateDisabled = true;
        });

        written.SslCertificate.Should().BeNull();
        written.SslKey.Should().BeNull();
    }

    [Fact]
    public void Tls_negotiation_channel_binding_and_allowed_authentication_are_written()
    {
        var written = Write(s =>
        {
            s.SslNegotiation = SslNegotiation.Direct;
            s.ChannelBinding = ChannelBinding.Require;
            s.RequireAuth = "scram-sha-256,md5";
        });

        written.SslNegotiation.Should().Be(SslNegotiation.Direct);
        written.ChannelBinding.Should().Be(ChannelBinding.Require);
        written.RequireAuth.Should().Be("ScramSHA256,MD5");
    }

    [Fact]
    public void Unset_tls_negotiation_channel_binding_and_authentication_keep_Npgsqls_values()
    {
        var written = Write(_ => { });

        written.SslNegotiation.Should().Be(SslNegotiation.Postgres);
        written.ChannelBinding.Should().Be(ChannelBinding.Prefer);
        written.RequireAuth.Should().BeNull();
    }

    [Theory]
    [InlineData(2.0, 2)]
    [InlineData(2.1, 3)]
    [InlineData(0.3, 1)]
    public void The_connect_timeout_is_rounded_up_to_whole_seconds(double seconds, int expected)
        => Write(s => s.ConnectTimeout = TimeSpan.FromSeconds(seconds)).Timeout.Should().Be(expected);

    [Fact]
    public void An_infinite_connect_timeout_is_Npgsqls_zero()
        => Write(s => s.ConnectTimeout = Timeout.InfiniteTimeSpan).Timeout.Should().Be(0);

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Target_session_attributes_are_written_only_when_asked_for(bool include, bool written)
    {
        var builder = Write(s => s.TargetSessionAttributes = TargetSessionAttributes.PreferStandby, [Db1, Db2], includeTargetSessionAttributes: include);

        builder.TargetSessionAttributes.Should().Be(written ? "prefer-standby" : null);
    }

    [Theory]
    [InlineData(2, true, true)]
    [InlineData(2, false, false)]
    [InlineData(2, null, false)]
    [InlineData(1, true, false)]
    public void Load_balancing_is_written_only_for_several_servers(int servers, bool? loadBalance, bool expected)
        => Write(s => s.LoadBalanceHosts = loadBalance, new[] { Db1, Db2 }[..servers]).LoadBalanceHosts.Should().Be(expected);

    [Fact]
    public void Keepalives_are_written_in_whole_seconds()
    {
        var written = Write(s =>
        {
            s.KeepAlives = false;
            s.KeepAlivesIdle = TimeSpan.FromSeconds(61.9);
            s.KeepAlivesInterval = TimeSpan.FromSeconds(7);
        });

        written.TcpKeepAlive.Should().BeFalse();
        written.TcpKeepAliveTime.Should().Be(61);
        written.TcpKeepAliveInterval.Should().Be(7);
    }

    [Fact]
    public void Pool_sizes_are_written()
    {
        var written = Write(s =>
        {
            s.MinPoolSize = 3;
            s.MaxPoolSize = 30;
        });

        written.MinPoolSize.Should().Be(3);
        written.MaxPoolSize.Should().Be(30);
    }

    [Theory]
    [InlineData(0.4, 1)]
    [InlineData(90.2, 91)]
    [InlineData(300, 300)]
    public void Connection_lifetimes_are_rounded_up_to_at_least_a_second(double seconds, int expected)
    {
        var written = Write(s =>
        {
            s.ConnectionIdleLifetime = TimeSpan.FromSeconds(seconds);
            s.ConnectionLifetime = TimeSpan.FromSeconds(seconds);
        });

        written.ConnectionIdleLifetime.Should().Be(expected);
        written.ConnectionLifetime.Should().Be(expected);
    }

    [Fact]
    public void Behind_PgBouncer_connections_are_not_reset_and_nothing_is_prepared_automatically()
    {
        var written = Write(s => s.PgBouncer = true);

        written.NoResetOnClose.Should().BeTrue();
        written.MaxAutoPrepare.Should().Be(0);
    }

    [Fact]
    public void The_public_builder_of_the_settings_includes_target_session_attributes_only_for_several_servers()
    {
        ConnectionSettings.FromUrl("postgresql://u@a,b/db?target_session_attrs=read-write").ToNpgsqlConnectionStringBuilder().TargetSessionAttributes.Should().Be("read-write");
        ConnectionSettings.FromUrl("postgresql://u@a/db?target_session_attrs=read-write").ToNpgsqlConnectionStringBuilder().TargetSessionAttributes.Should().BeNull(
            "Npgsql accepts target_session_attrs only with several hosts");
    }
}
