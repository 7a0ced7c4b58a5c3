using System.Security.Authentication;
using Npgsql;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>Every mapped parameter, through the public <see cref="ConnectionSettings.FromUrl"/>.</summary>
public class ConnectionSettingsMapperTests
{
    private const string Base = "postgresql://app@db.example.com/orders";

    [Fact]
    public void Fills_documented_defaults_for_host_and_port()
    {
        var settings = ConnectionSettings.FromUrl("postgresql:///orders");

        settings.Servers.Should().Equal(new ServerEndpoint("localhost", 5432));
        settings.GetSource("host")!.Kind.Should().Be(SettingSourceKind.Default);
        settings.GetSource("port")!.Kind.Should().Be(SettingSourceKind.Default);
        settings.SslMode.Should().BeNull("FromUrl applies no policy");
    }

    [Fact]
    public void Host_and_port_lists_pair_up_with_defaults_for_empty_items()
    {
        var settings = ConnectionSettings.FromUrl("postgresql://h1:5433,,[::1]:6000,h4/db");

        settings.Servers.Should().Equal(
            new ServerEndpoint("h1", 5433), new ServerEndpoint("localhost", 5432), new ServerEndpoint("::1", 6000), new ServerEndpoint("h4", 5432));
    }

    [Fact]
    public void A_single_port_applies_to_every_host()
    {
        var settings = ConnectionSettings.FromUrl("host=a,b,c port=6543");

        settings.Servers.Select(s => s.Port).Should().Equal(6543, 6543, 6543);
    }

    [Theory]
    [InlineData("host=a,b,c port=1,2", "port", "2 ports were given for 3 hosts")]
    [InlineData("postgresql://h:0/db", "port", "port '0' is not a number between 1 and 65535")]
    [InlineData("postgresql://h:65536/db", "port", "port '65536' is not a number between 1 and 65535")]
    [InlineData("postgresql://h:-1/db", "port", "port '-1' is not a number")]
    [InlineData("postgresql://h:abc/db", "port", "port 'abc' is not a number")]
    [InlineData("host='a b'", "host", "'a b' is not a valid host name")]
    [InlineData("host=@abstract", "host", "abstract Unix socket")]
    [InlineData("host=1:2:3:zz", "host", "not a valid IPv6 address")]
    public void Rejects_bad_servers_at_parse_time(string url, string key, string message)
        => AssertProblem(url, key, message);

    [Theory]
    [InlineData("postgresql://h: 5/db", 5)]
    [InlineData("postgresql://h:+5/db", 5)]
    [InlineData("postgresql://h:0005/db", 5)]
    public void Ports_follow_libpq_integer_rules(string url, int port)
        => ConnectionSettings.FromUrl(url).Servers[0].Port.Should().Be(port);

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    [InlineData("no-verify", SslMode.Require)]
    public void Maps_sslmode(string value, SslMode expected)
        => ConnectionSettings.FromUrl($"{Base}?sslmode={value}").SslMode.Should().Be(expected);

    [Fact]
    public void Maps_every_supported_parameter()
    {
        var settings = ConnectionSettings.FromUrl(Base +
            "?sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem&sslpassword=kp&sslnegotiation=direct&sslmode=verify-full" +
            "&ssl_min_protocol_version=TLSv1.2&ssl_max_protocol_version=TLSv1.3&channel_binding=require&require_auth=scram-sha-256" +
            "&gssencmode=prefer&krbsrvname=pg&passfile=/p&connect_timeout=7&application_name=api&options=-c%20statement_timeout%3D5s" +
            "&client_encoding=utf8&target_session_attrs=read-write&load_balance_hosts=random&keepalives=0&keepalives_idle=30" +
            "&keepalives_interval=5&sslcompression=0&sslsni=1&sslcertmode=allow&password=pw&dbname=other&port=6000");

        settings.SslRootCertificate.Should().Be("/ca.pem");
        settings.SslCertificate.Should().Be("/c.pem");
        settings.SslKey.Should().Be("/k.pem");
        settings.SslPassword.Should().Be("kp");
        settings.SslNegotiation.Should().Be(SslNegotiation.Direct);
        settings.SslMode.Should().Be(SslMode.VerifyFull);
        settings.SslMinProtocolVersion.Should().Be(SslProtocols.Tls12);
        settings.SslMaxProtocolVersion.Should().Be(SslProtocols.Tls13);
        settings.ChannelBinding.Should().Be(ChannelBinding.Require);
        settings.RequireAuth.Should().Be("scram-sha-256");
        settings.GssEncryptionMode.Should().Be(GssEncryptionMode.Prefer);
        settings.KerberosServiceName.Should().Be("pg");
        settings.Passfile.Should().Be("/p");
        settings.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(7));
        settings.ApplicationName.Should().Be("api");
        settings.Options.Should().Be("-c statement_timeout=5s");
        settings.ClientEncoding.Should().Be("UTF8");
        settings.TargetSessionAttributes.Should().Be(TargetSessionAttributes.ReadWrite);
        settings.LoadBalanceHosts.Should().BeTrue();
        settings.KeepAlives.Should().BeFalse();
        settings.KeepAlivesIdle.Should().Be(TimeSpan.FromSeconds(30));
        settings.KeepAlivesInterval.Should().Be(TimeSpan.FromSeconds(5));
        settings.Password.Should().Be("pw");
        settings.Database.Should().Be("other");
        settings.Servers.Should().Equal(new ServerEndpoint("db.example.com", 6000));
        settings.Username.Should().Be("app");
    }

    [Theory]
    [InlineData("any", TargetSessionAttributes.Any)]
    [InlineData("read-write", TargetSessionAttributes.ReadWrite)]
    [InlineData("read-only", TargetSessionAttributes.ReadOnly)]
    [InlineData("primary", TargetSessionAttributes.Primary)]
    [InlineData("standby", TargetSessionAttributes.Standby)]
    [InlineData("prefer-standby", TargetSessionAttributes.PreferStandby)]
    public void Maps_target_session_attrs(string value, TargetSessionAttributes expected)
        => ConnectionSettings.FromUrl($"{Base}?target_session_attrs={value}").TargetSessionAttributes.Should().Be(expected);

    [Theory]
    [InlineData("0", -1)]
    [InlineData("-5", -1)]
    [InlineData("1", 2)]
    [InlineData("2", 2)]
    [InlineData("30", 30)]
    public void Connect_timeout_follows_libpq(string value, int expectedSeconds)
        => ConnectionSettings.FromUrl($"{Base}?connect_timeout={value}").ConnectTimeout
            .Should().Be(expectedSeconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(expectedSeconds));

    [Fact]
    public void Fallback_application_name_is_used_only_without_application_name()
    {
        ConnectionSettings.FromUrl($"{Base}?fallback_application_name=f").ApplicationName.Should().Be("f");
        ConnectionSettings.FromUrl($"{Base}?fallback_application_name=f&application_name=a").ApplicationName.Should().Be("a");
    }

    [Fact]
    public void Maps_prisma_and_pgx_extensions()
    {
        var settings = ConnectionSettings.FromUrl(Base + "?pgbouncer=true&connection_limit=7&pool_timeout=20&schema=sales&pool_min_conns=2&pool_max_conn_lifetime=1h30m&pool_max_conn_idle_time=90s");

        settings.PgBouncer.Should().BeTrue();
        settings.MaxPoolSize.Should().Be(7);
        settings.PoolTimeout.Should().Be(TimeSpan.FromSeconds(20));
        settings.SearchPath.Should().Be("sales");
        settings.MinPoolSize.Should().Be(2);
        settings.ConnectionLifetime.Should().Be(TimeSpan.FromMinutes(90));
        settings.ConnectionIdleLifetime.Should().Be(TimeSpan.FromSeconds(90));

        var builder = settings.ToNpgsqlConnectionStringBuilder();
        builder.NoResetOnClose.Should().BeTrue();
        builder.MaxAutoPrepare.Should().Be(0);
        builder.MaxPoolSize.Should().Be(7);
        builder.SearchPath.Should().Be("sales");
    }

    [Theory]
    [InlineData("sslmode=requir", "sslmode", "'requir' is not valid; expected disable, allow, prefer, require, verify-ca or verify-full")]
    [InlineData("target_session_attrs=master", "target_session_attrs", "expected any, read-write, read-only, primary, standby or prefer-standby")]
    [InlineData("load_balance_hosts=round-robin", "load_balance_hosts", "expected disable or random")]
    [InlineData("channel_binding=yes", "channel_binding", "expected disable, prefer or require")]
    [InlineData("gssencmode=on", "gssencmode", "expected disable, prefer or require")]
    [InlineData("sslnegotiation=tls", "sslnegotiation", "expected postgres or direct")]
    [InlineData("connect_timeout=10s", "connect_timeout", "a whole number of seconds")]
    [InlineData("keepalives=yes", "keepalives", "1 (on) or 0 (off)")]
    [InlineData("keepalives_idle=-1", "keepalives_idle", "0 or more")]
    [InlineData("require_auth=scram", "require_auth", "'scram' is not an authentication method")]
    [InlineData("require_auth=md5,!password", "require_auth", "mixes allowed and negated")]
    [InlineData("client_encoding=LATIN1", "client_encoding", "always exchanges text with the server as UTF-8")]
    [InlineData("ssl_min_protocol_version=TLSv1.1", "ssl_min_protocol_version", "no longer supports TLS 1.0 and 1.1")]
    [InlineData("ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.2", "ssl_max_protocol_version", "lower than ssl_min_protocol_version")]
    [InlineData("sslcompression=1", "sslcompression", "remove sslcompression or set it to 0")]
    [InlineData("sslsni=0", "sslsni", "always sends the host name")]
    [InlineData("sslcertmode=require", "sslcertmode", "cannot insist")]
    [InlineData("sslrootcert=system&sslmode=require", "sslmode", "allows it only with sslmode=verify-full")]
    [InlineData("sslnegotiation=direct&sslmode=prefer", "sslnegotiation", "needs sslmode require, verify-ca or verify-full")]
    [InlineData("channel_binding=require&sslmode=disable", "channel_binding", "needs TLS")]
    [InlineData("sslrootcert=", "sslrootcert", "is empty")]
    [InlineData("pgbouncer=yes", "pgbouncer", "expected true or false")]
    [InlineData("connection_limit=0", "connection_limit", "from 1 to 10000")]
    [InlineData("pool_max_conns=5&connection_limit=6", "pool_max_conns", "both set the maximum pool size")]
    [InlineData("pool_min_conns=9&pool_max_conns=5", "pool_min_conns", "larger than the maximum")]
    [InlineData("pool_max_conn_lifetime=forever", "pool_max_conn_lifetime", "a duration such as 90s")]
    [InlineData("pool_timeout=-3", "pool_timeout", "a number of seconds or a duration")]
    public void Rejects_invalid_values_naming_the_parameter(string query, string key, string message)
        => AssertProblem($"{Base}?{query}", key, message);

    [Theory]
    [InlineData("service", "pg_service.conf")]
    [InlineData("hostaddr", "put the IP address in host")]
    [InlineData("keepalives_count", "probe count")]
    [InlineData("tcp_user_timeout", "TCP_USER_TIMEOUT")]
    [InlineData("sslcrl", "revocation list files")]
    [InlineData("sslcrldir", "revocation list directories")]
    [InlineData("requirepeer", "peer user")]
    [InlineData("gsslib", "SSPI")]
    [InlineData("gssdelegation", "delegate")]
    [InlineData("replication", "LogicalReplicationConnection")]
    [InlineData("min_protocol_version", "protocol 3.0")]
    public void Libpq_parameters_without_an_Npgsql_equivalent_are_errors(string keyword, string explanation)
        => AssertProblem($"{Base}?{keyword}=1", keyword, explanation);

    [Fact]
    public void Reports_every_problem_in_one_exception()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionSettings.FromUrl("postgresql://h:99999/db?sslmode=bogus&service=x&connect_timeout=x"));

        exception.Problems.Select(p => p.Key).Should().BeEquivalentTo("port", "sslmode", "service", "connect_timeout");
        exception.Message.Should().StartWith("The PostgreSQL connection settings are invalid (4 problems):\n- ");
        exception.Message.Split('\n').Should().HaveCount(5);
    }

    private static void AssertProblem(string url, string key, string message)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl(url));
        exception.Problems.Should().Contain(p => p.Key == key && p.Message.Contains(message, StringComparison.Ordinal), because: exception.Message);
    }
}
