using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;

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

    private const string Sentinel = "S3nt1nel-Pa55w0rd";

    [Theory]
    [InlineData("host=a,b,c port=1,2", "port: 2 ports were given for 3 hosts; give a single port for all hosts or exactly one port per host, in the same order")]
    [InlineData("host='a b' port=0", "host: 'a b' is not a valid host name, IP address or absolute socket directory")]
    [InlineData("host=h port=0", "port: port '0' is not a number between 1 and 65535")]
    [InlineData("host=h sslcert=", "sslcert: sslcert is empty; remove it or give a value")]
    [InlineData("host=h sslkey=", "sslkey: sslkey is empty; remove it or give a value")]
    [InlineData("host=h krbsrvname=", "krbsrvname: krbsrvname is empty; remove it or give a value")]
    [InlineData("host=h schema=", "schema: schema is empty; remove it or give a value")]
    [InlineData("host=h sslcertmode=bogus", "sslcertmode: 'bogus' is not valid; expected disable, allow or require")]
    [InlineData("host=h ssl_min_protocol_version=TLSv1", "ssl_min_protocol_version: .NET no longer supports TLS 1.0 and 1.1; use TLSv1.2 or TLSv1.3")]
    [InlineData("host=h ssl_max_protocol_version=tlsv1.1", "ssl_max_protocol_version: .NET no longer supports TLS 1.0 and 1.1; use TLSv1.2 or TLSv1.3")]
    [InlineData("host=h ssl_min_protocol_version=TLSv9", "ssl_min_protocol_version: 'TLSv9' is not valid; expected TLSv1.2 or TLSv1.3")]
    [InlineData("host=h sslnegotiation=direct sslmode=prefer", "sslnegotiation: sslnegotiation=direct needs sslmode require, verify-ca or verify-full (libpq rejects weaker modes with direct negotiation); sslmode is prefer")]
    [InlineData("host=h connect_timeout=1025", "connect_timeout: '1025' is not valid; expected a whole number of seconds up to 1024 (Npgsql's limit; 0 waits forever)")]
    [InlineData("host=h client_encoding=LATIN1", "client_encoding: Npgsql always exchanges text with the server as UTF-8, so client_encoding 'LATIN1' cannot be honoured; remove it or set it to UTF8")]
    [InlineData("host=h pool_timeout=4294968", "pool_timeout: '4294968' is not valid; expected a duration of at most 4294967 seconds (about 49 days; 0 waits forever)")]
    public void Problems_name_the_keyword_and_the_fix(string text, string expected)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl(text));
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(expected);
    }

    [Theory]
    [InlineData("host=h port=65535", 65535)]
    [InlineData("host=h port=1", 1)]
    public void Ports_from_1_to_65535_are_accepted(string text, int port)
        => ConnectionSettings.FromUrl(text).Servers.Should().Equal(new ServerEndpoint("h", port));

    [Fact]
    public void Empty_dbname_user_and_password_mean_the_default()
    {
        var settings = ConnectionSettings.FromUrl("host=h dbname='' user='' password=''");

        settings.Database.Should().BeNull();
        settings.Username.Should().BeNull();
        settings.HasPassword.Should().BeFalse();
    }

    [Fact]
    public void A_password_may_itself_contain_a_password_assignment()
    {
        var settings = ConnectionSettings.FromUrl($"host=h password='{Sentinel} password=x'");

        settings.GetPassword().Should().Be($"{Sentinel} password=x");
    }

    [Fact]
    public void Sslcertmode_disable_turns_the_client_certificate_off()
    {
        var settings = ConnectionSettings.FromUrl("host=h sslcertmode=disable");

        settings.ClientCertificateDisabled.Should().BeTrue();
        settings.GetSource("sslcertmode").Should().Be(new SettingSource(SettingSourceKind.Url, "sslcertmode"));
        ConnectionSettings.FromUrl("host=h sslcertmode=allow").ClientCertificateDisabled.Should().BeFalse();
    }

    [Fact]
    public void Tls_versions_are_mapped_with_their_source()
    {
        var settings = ConnectionSettings.FromUrl("host=h ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=tlsv1.2");

        settings.SslMinProtocolVersion.Should().Be(SslProtocols.Tls12);
        settings.SslMaxProtocolVersion.Should().Be(SslProtocols.Tls12);
        settings.GetSource("ssl_min_protocol_version").Should().Be(new SettingSource(SettingSourceKind.Url, "ssl_min_protocol_version"));
        settings.GetSource("ssl_max_protocol_version").Should().Be(new SettingSource(SettingSourceKind.Url, "ssl_max_protocol_version"));
    }

    [Fact]
    public void Empty_tls_version_means_none()
        => ConnectionSettings.FromUrl("host=h ssl_min_protocol_version=''").SslMinProtocolVersion.Should().BeNull();

    [Fact]
    public void Connect_timeout_up_to_Npgsqls_limit_is_accepted()
        => ConnectionSettings.FromUrl("host=h connect_timeout=1024").ConnectTimeout.Should().Be(TimeSpan.FromSeconds(1024));

    [Fact]
    public void Fallback_application_name_keeps_its_own_source()
        => ConnectionSettings.FromUrl("host=h fallback_application_name=f").GetSource("application_name")
            .Should().Be(new SettingSource(SettingSourceKind.Url, "fallback_application_name"));

    [Theory]
    [InlineData("utf-8")]
    [InlineData("UTF_8")]
    [InlineData("Unicode")]
    [InlineData("utf8")]
    public void Client_encoding_accepts_the_spellings_of_UTF8(string value)
    {
        var settings = ConnectionSettings.FromUrl($"host=h client_encoding={value}");

        settings.ClientEncoding.Should().Be("UTF8");
        settings.GetSource("client_encoding").Should().Be(new SettingSource(SettingSourceKind.Url, "client_encoding"));
    }

    [Fact]
    public void Keepalives_and_pgbouncer_record_their_source()
    {
        var settings = ConnectionSettings.FromUrl("host=h keepalives=1 pgbouncer=false");

        settings.KeepAlives.Should().BeTrue();
        settings.PgBouncer.Should().BeFalse();
        settings.GetSource("keepalives").Should().Be(new SettingSource(SettingSourceKind.Url, "keepalives"));
        settings.GetSource("pgbouncer").Should().Be(new SettingSource(SettingSourceKind.Url, "pgbouncer"));
    }

    [Fact]
    public void Connection_limit_alone_sets_the_maximum_pool_size_with_its_source()
    {
        var settings = ConnectionSettings.FromUrl("host=h connection_limit=7");

        settings.MaxPoolSize.Should().Be(7);
        settings.GetSource("pool_max_conns").Should().Be(new SettingSource(SettingSourceKind.Url, "connection_limit"));
    }

    [Fact]
    public void Pool_max_conns_wins_over_connection_limit_for_the_pool_size()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("pool_max_conns", "5", new SettingSource(SettingSourceKind.Url, "pool_max_conns"));
        parameters.Set("connection_limit", "6", new SettingSource(SettingSourceKind.Url, "connection_limit"));

        var builder = ConnectionSettingsMapper.Map(parameters, problems);

        builder.MaxPoolSize.Should().Be(5);
        problems.Count.Should().Be(1);
    }

    [Fact]
    public void Pool_max_conns_and_an_equal_connection_limit_agree_and_keep_their_own_source()
    {
        var settings = ConnectionSettings.FromUrl("host=h pool_max_conns=5 connection_limit=5");

        settings.MaxPoolSize.Should().Be(5);
        settings.GetSource("pool_max_conns").Should().Be(new SettingSource(SettingSourceKind.Url, "pool_max_conns"));
    }

    [Theory]
    [InlineData("verify-ca", "verify-ca")]
    [InlineData("prefer", "prefer")]
    public void System_roots_with_a_weaker_sslmode_name_the_mode(string mode, string shown)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl($"host=h sslrootcert=system sslmode={mode}"));

        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            $"sslmode: sslrootcert=system trusts every public CA, so libpq allows it only with sslmode=verify-full; sslmode is {shown}. Use sslmode=verify-full, or give the CA file in sslrootcert");
    }

    [Theory]
    [InlineData("host=h sslrootcert=system sslmode=verify-full")]
    [InlineData("host=h sslrootcert=system")]
    public void System_roots_are_accepted_with_verify_full_or_no_sslmode(string text)
        => ConnectionSettings.FromUrl(text).SslRootCertificate.Should().Be("system");

    [Fact]
    public void A_minimum_pool_size_without_a_maximum_is_checked_later_against_the_effective_maximum()
        => ConnectionSettings.FromUrl("host=h pool_min_conns=200").MinPoolSize.Should().Be(200);

    [Theory]
    [InlineData("0", -1)]
    [InlineData("4294967", 4294967)]
    public void Pool_timeout_zero_waits_forever(string value, int expectedSeconds)
        => ConnectionSettings.FromUrl($"host=h pool_timeout={value}").PoolTimeout
            .Should().Be(expectedSeconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(expectedSeconds));

    [Fact]
    public void Pool_timeout_may_be_as_long_as_a_timer_can_wait_and_no_longer()
    {
        // System.Threading.Timer's limit: uint.MaxValue - 1 milliseconds.
        ConnectionSettings.FromUrl("host=h pool_timeout=4294967294ms").PoolTimeout.Should().Be(TimeSpan.FromMilliseconds(4_294_967_294));

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl("host=h pool_timeout=4294967295ms"));
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "pool_timeout: '4294967295ms' is not valid; expected a duration of at most 4294967 seconds (about 49 days; 0 waits forever)");
    }

    [Fact]
    public void Unsendable_text_is_reported_once_and_dropped()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("dbname", "d\uD800 password=x", new SettingSource(SettingSourceKind.Url, "dbname"));

        var builder = ConnectionSettingsMapper.Map(parameters, problems);

        builder.Database.Should().BeNull();
        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "dbname: contains a NUL character or an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL");
    }

    [Fact]
    public void Unsendable_text_in_a_parameter_Npgsql_cannot_honour_is_the_only_problem_reported_for_it()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("host", "h", new SettingSource(SettingSourceKind.Url, "host"));
        parameters.Set("service", "a\0b", new SettingSource(SettingSourceKind.Url, "service"));

        ConnectionSettingsMapper.Map(parameters, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "service: contains a NUL character or an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL");
    }

    [Fact]
    public void A_value_that_swallowed_a_password_is_refused_and_values_cut_from_it_are_not_quoted()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        var source = new SettingSource(SettingSourceKind.Url, "Host", "ConnectionStrings:Default");
        parameters.Set("host", $"password={Sentinel}", source);
        parameters.Set("port", Sentinel, source);
        parameters.Set("service", $"password={Sentinel}", new SettingSource(SettingSourceKind.Url, "service"));

        var builder = ConnectionSettingsMapper.Map(parameters, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "host: the value of host contains a password assignment ('password=', not shown), so a quoting or encoding mistake made it swallow a password; " +
            "in a keyword/value string quote values with spaces (dbname='my db') and give every keyword a value; in a URL percent-encode '@' as %40 and '&' as %26",
            "service: the value of service contains a password assignment ('password=', not shown), so a quoting or encoding mistake made it swallow a password; " +
            "in a keyword/value string quote values with spaces (dbname='my db') and give every keyword a value; in a URL percent-encode '@' as %40 and '&' as %26",
            "port: a port is not a number between 1 and 65535");
        exception.Message.Should().NotContain(Sentinel);
        builder.Servers.Should().BeEmpty();
    }

    [Fact]
    public void A_host_that_may_hold_a_secret_is_not_quoted_and_not_used()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("host", $"{Sentinel} x", new SettingSource(SettingSourceKind.Url, "host"), mayHoldSecret: true);
        parameters.Set("port", "0", new SettingSource(SettingSourceKind.Url, "port"));

        var builder = ConnectionSettingsMapper.Map(parameters, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "host: a host is not a valid host name, IP address or absolute socket directory");
        builder.Servers.Should().BeEmpty();
    }

    [Fact]
    public void A_bad_port_is_not_used()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("host", "h1,h2", new SettingSource(SettingSourceKind.Url, "host"));
        parameters.Set("port", "0,5433", new SettingSource(SettingSourceKind.Url, "port"));

        var builder = ConnectionSettingsMapper.Map(parameters, problems);

        problems.Count.Should().Be(1);
        builder.Servers.Should().Equal(new ServerEndpoint("h2", 5433));
    }

    [Fact]
    public void A_client_encoding_that_may_hold_a_secret_is_not_quoted()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("client_encoding", Sentinel, new SettingSource(SettingSourceKind.Url, "client_encoding"), mayHoldSecret: true);

        ConnectionSettingsMapper.Map(parameters, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "client_encoding: Npgsql always exchanges text with the server as UTF-8, so client_encoding cannot be honoured; remove it or set it to UTF8");
    }

    [Fact]
    public void Keepalive_seconds_of_zero_mean_the_system_default()
    {
        var settings = ConnectionSettings.FromUrl("host=h keepalives_idle=0 keepalives_interval=7");

        settings.KeepAlivesIdle.Should().BeNull();
        settings.KeepAlivesInterval.Should().Be(TimeSpan.FromSeconds(7));
        settings.GetSource("keepalives_idle").Should().Be(new SettingSource(SettingSourceKind.Url, "keepalives_idle"));
    }

    [Fact]
    public void Pool_sizes_accept_their_bounds()
    {
        var settings = ConnectionSettings.FromUrl("host=h pool_min_conns=0 pool_max_conns=10000");

        settings.MinPoolSize.Should().Be(0);
        settings.MaxPoolSize.Should().Be(10000);
    }

    [Theory]
    [InlineData("host=h pool_max_conns=10001", "pool_max_conns: '10001' is not valid; expected a whole number from 1 to 10000")]
    [InlineData("host=h pool_min_conns=-1", "pool_min_conns: '-1' is not valid; expected a whole number from 0 to 10000")]
    [InlineData("host=h pool_max_conn_lifetime=0", "pool_max_conn_lifetime: '0' is not valid; expected a positive number of seconds or a duration such as 90s, 5m, 1h")]
    [InlineData("host=h keepalives_interval=x", "keepalives_interval: 'x' is not valid; expected a whole number of seconds, 0 or more")]
    public void Bounds_are_pinned_in_the_messages(string text, string expected)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl(text));
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(expected);
    }

    [Fact]
    public void A_problem_names_the_libpq_keyword_and_the_variable_it_came_from()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionSettings.FromVariables(new Dictionary<string, string?> { ["DB_HOST"] = "h", ["DB_SSLMODE"] = "bogus" }));

        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "sslmode",
            new SettingSource(SettingSourceKind.Variables, "DB_SSLMODE"),
            "'bogus' is not valid; expected disable, allow, prefer, require, verify-ca or verify-full"));
    }

    [Fact]
    public void A_problem_without_a_value_takes_the_source_of_its_keyword()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionSettings.FromUrl("host=h ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"));

        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "ssl_max_protocol_version",
            new SettingSource(SettingSourceKind.Url, "ssl_max_protocol_version"),
            "ssl_max_protocol_version is lower than ssl_min_protocol_version"));
    }

    [Fact]
    public void An_invalid_value_that_may_hold_a_secret_is_not_quoted()
    {
        var problems = new ProblemList();
        var parameters = new ConnectionParameters();
        parameters.Set("sslmode", Sentinel, new SettingSource(SettingSourceKind.Url, "sslmode"), mayHoldSecret: true);

        ConnectionSettingsMapper.Map(parameters, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(
            "sslmode: the value is not valid; expected disable, allow, prefer, require, verify-ca or verify-full");
    }

    private static void AssertProblem(string url, string key, string message)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionSettings.FromUrl(url));
        exception.Problems.Should().Contain(p => p.Key == key && p.Message.Contains(message, StringComparison.Ordinal), because: exception.Message);
    }
}
