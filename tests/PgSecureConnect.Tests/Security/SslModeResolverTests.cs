using Npgsql;
using PgSecureConnect.Parsing;
using PgSecureConnect.Security;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Tests.Security;

/// <summary>The SSL resolution table of the README, row by row.</summary>
public class SslModeResolverTests
{
    private const string Remote = "db.example.com";

    public static TheoryData<string, string, string, SslPolicy, string> Table => new()
    {
        // host, sslmode ("" = unset), sslrootcert ("" = unset), policy, expected effective mode or "error"
        { Remote, "", "", SslPolicy.RequireEncryption, "require" },
        { Remote, "", "/ca.pem", SslPolicy.RequireEncryption, "verify-full" },
        { Remote, "", "system", SslPolicy.RequireEncryption, "verify-full" },
        { Remote, "disable", "", SslPolicy.RequireEncryption, "error" },
        { Remote, "allow", "", SslPolicy.RequireEncryption, "error" },
        { Remote, "prefer", "", SslPolicy.RequireEncryption, "error" },
        { Remote, "prefer", "/ca.pem", SslPolicy.RequireEncryption, "error" },
        { Remote, "require", "", SslPolicy.RequireEncryption, "require" },
        { Remote, "require", "/ca.pem", SslPolicy.RequireEncryption, "verify-ca" },
        { Remote, "verify-ca", "", SslPolicy.RequireEncryption, "verify-ca" },
        { Remote, "verify-ca", "/ca.pem", SslPolicy.RequireEncryption, "verify-ca" },
        { Remote, "verify-full", "", SslPolicy.RequireEncryption, "verify-full" },
        { Remote, "verify-full", "system", SslPolicy.RequireEncryption, "verify-full" },

        { Remote, "", "", SslPolicy.VerifyFull, "verify-full" },
        { Remote, "", "/ca.pem", SslPolicy.VerifyFull, "verify-full" },
        { Remote, "require", "", SslPolicy.VerifyFull, "error" },
        { Remote, "require", "/ca.pem", SslPolicy.VerifyFull, "error" },
        { Remote, "verify-ca", "/ca.pem", SslPolicy.VerifyFull, "error" },
        { Remote, "prefer", "", SslPolicy.VerifyFull, "error" },
        { Remote, "verify-full", "/ca.pem", SslPolicy.VerifyFull, "verify-full" },

        { Remote, "", "", SslPolicy.AllowInsecure, "prefer" },
        { Remote, "disable", "", SslPolicy.AllowInsecure, "disable" },
        { Remote, "allow", "", SslPolicy.AllowInsecure, "allow" },
        { Remote, "require", "/ca.pem", SslPolicy.AllowInsecure, "verify-ca" },
        { Remote, "", "system", SslPolicy.AllowInsecure, "verify-full" },

        // Loopback hosts and sockets: anything goes; unspecified is libpq's prefer.
        { "localhost", "", "", SslPolicy.RequireEncryption, "prefer" },
        { "127.0.0.1", "disable", "", SslPolicy.RequireEncryption, "disable" },
        { "127.8.9.10", "", "", SslPolicy.VerifyFull, "prefer" },
        { "::1", "allow", "", SslPolicy.VerifyFull, "allow" },
        { "/var/run/postgresql", "disable", "", SslPolicy.VerifyFull, "disable" },
        { "localhost", "require", "/ca.pem", SslPolicy.RequireEncryption, "verify-ca" },
        { "localhost", "", "system", SslPolicy.RequireEncryption, "verify-full" },
        { "localhost", "", "/ca.pem", SslPolicy.RequireEncryption, "prefer" },

        // Addresses that are not loopback, however local they look.
        { "10.0.0.5", "prefer", "", SslPolicy.RequireEncryption, "error" },
        { "127.0.0.1.nip.io", "prefer", "", SslPolicy.RequireEncryption, "error" },
        { "0.0.0.0", "disable", "", SslPolicy.RequireEncryption, "error" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Resolves_the_effective_mode(string host, string sslMode, string rootCertificate, SslPolicy policy, string expected)
    {
        var query = new List<string>();
        if (sslMode.Length > 0)
        {
            query.Add("sslmode=" + sslMode);
        }

        if (rootCertificate.Length > 0)
        {
            query.Add("sslrootcert=" + Uri.EscapeDataString(rootCertificate));
        }

        var hostPart = host.StartsWith('/') ? Uri.EscapeDataString(host) : host.Contains(':') ? $"[{host}]" : host;
        var settings = ConnectionSettings.FromUrl($"postgresql://{hostPart}/db" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty));
        var problems = new ProblemList();

        var decision = SslModeResolver.Resolve(settings, policy, problems);

        if (expected == "error")
        {
            problems.HasProblems.Should().BeTrue();
            var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
            exception.Key.Should().Be("sslmode");
            exception.Message.Should().Contain(host);
        }
        else
        {
            problems.HasProblems.Should().BeFalse();
            LibpqNames.Name(decision.Mode).Should().Be(expected);
        }
    }

    [Fact]
    public void Policy_violation_names_host_mode_source_and_opt_out()
    {
        var variables = new Dictionary<string, string?> { ["DB_HOST"] = Remote, ["DB_SSLMODE"] = "prefer", ["DB_NAME"] = "orders" };

        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromVariables(variables));

        exception.Message.Should().Be(
            "The PostgreSQL connection settings are invalid: sslmode (variable DB_SSLMODE): sslmode=prefer would let the connection to the remote host db.example.com run without encryption, " +
            "which SslPolicy.RequireEncryption (the default) forbids. Use sslmode=verify-full with sslrootcert=<the server's CA file> (or sslmode=require to encrypt without verifying the server); " +
            "to accept plaintext deliberately on a trusted network, set ConnectionFactoryOptions.SslPolicy = SslPolicy.AllowInsecure");
    }

    [Fact]
    public void Unspecified_mode_records_that_the_policy_chose_it()
    {
        using var factory = ConnectionFactory.FromUrl($"postgresql://{Remote}/db");

        factory.Settings.SslMode.Should().Be(SslMode.Require);
        factory.Settings.GetSource("sslmode")!.Kind.Should().Be(SettingSourceKind.Policy);
        factory.Settings.GetSource("sslmode")!.ToString().Should().Be("sslmode chosen by SslPolicy.RequireEncryption, remote server, no root certificate");
    }

    [Fact]
    public void Channel_binding_require_refuses_non_scram_methods()
    {
        using var factory = ConnectionFactory.FromUrl("postgresql://localhost/db?channel_binding=require");

        factory.Settings.RequireAuth.Should().Be("scram-sha-256");
        factory.Settings.ToNpgsqlConnectionStringBuilder().RequireAuth.Should().Be("ScramSHA256");
    }

    [Fact]
    public void Channel_binding_require_contradicting_require_auth_is_an_error()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionFactory.FromUrl("postgresql://localhost/db?channel_binding=require&require_auth=md5"));

        exception.Key.Should().Be("require_auth");
    }

    [Fact]
    public void Gss_encryption_is_off_unless_asked_for()
    {
        ConnectionSettings.FromUrl("postgresql://localhost/db").ToNpgsqlConnectionStringBuilder().GssEncryptionMode.Should().Be(GssEncryptionMode.Disable);
        ConnectionSettings.FromUrl("postgresql://localhost/db?gssencmode=prefer").ToNpgsqlConnectionStringBuilder().GssEncryptionMode.Should().Be(GssEncryptionMode.Prefer);
    }

    [Theory]
    [InlineData(Remote, "sslrootcert=system", SslPolicy.RequireEncryption, SslMode.VerifyFull, "sslrootcert=system")]
    [InlineData("localhost", "sslrootcert=system", SslPolicy.AllowInsecure, SslMode.VerifyFull, "sslrootcert=system")]
    [InlineData(Remote, "", SslPolicy.VerifyFull, SslMode.VerifyFull, "SslPolicy.VerifyFull, remote server")]
    [InlineData(Remote, "sslrootcert=%2Fca.pem", SslPolicy.RequireEncryption, SslMode.VerifyFull, "SslPolicy.RequireEncryption, remote server, root certificate given")]
    [InlineData(Remote, "", SslPolicy.RequireEncryption, SslMode.Require, "SslPolicy.RequireEncryption, remote server, no root certificate")]
    [InlineData(Remote, "sslrootcert=%2Fca.pem", SslPolicy.AllowInsecure, SslMode.Prefer, "SslPolicy.AllowInsecure: libpq's default")]
    [InlineData("localhost", "", SslPolicy.VerifyFull, SslMode.Prefer, "local servers only: libpq's default")]
    [InlineData(Remote, "", (SslPolicy)3, SslMode.VerifyFull, "SslPolicy.VerifyFull, remote server")]
    public void Mode_chosen_by_the_policy_says_why(string host, string query, SslPolicy policy, SslMode expectedMode, string expectedReason)
    {
        var problems = new ProblemList();

        var decision = SslModeResolver.Resolve(ConnectionSettings.FromUrl($"postgresql://{host}/db?{query}"), policy, problems);

        problems.HasProblems.Should().BeFalse();
        decision.Mode.Should().Be(expectedMode);
        decision.ModeSource.Should().Be(new SettingSource(SettingSourceKind.Policy, "sslmode", expectedReason));
    }

    [Fact]
    public void Mode_given_in_the_settings_has_no_policy_source()
    {
        var decision = SslModeResolver.Resolve(ConnectionSettings.FromUrl($"postgresql://{Remote}/db?sslmode=verify-full"), SslPolicy.RequireEncryption, new ProblemList());

        decision.Mode.Should().Be(SslMode.VerifyFull);
        decision.ModeSource.Should().BeNull();
    }

    [Fact]
    public void Plaintext_to_several_remote_hosts_names_them_all_and_not_the_local_one()
    {
        var problem = SingleProblem("postgresql://a.example.com,localhost,b.example.com/db?sslmode=prefer", SslPolicy.RequireEncryption);

        problem.Key.Should().Be("sslmode");
        problem.Message.Should().Be(
            "sslmode=prefer would let the connection to the remote hosts a.example.com, b.example.com run without encryption, which SslPolicy.RequireEncryption (the default) forbids. " +
            "Use sslmode=verify-full with sslrootcert=<the server's CA file> (or sslmode=require to encrypt without verifying the server); " +
            "to accept plaintext deliberately on a trusted network, set ConnectionFactoryOptions.SslPolicy = SslPolicy.AllowInsecure");
    }

    [Theory]
    [InlineData("sslmode=require&sslrootcert=%2Fca.pem", "sslmode=require with a root certificate means verify-ca, which checks the CA but not the host name")]
    [InlineData("sslmode=require", "sslmode=require does not check that the certificate was issued for db.example.com")]
    [InlineData("sslmode=verify-ca&sslrootcert=%2Fca.pem", "sslmode=verify-ca does not check that the certificate was issued for db.example.com")]
    [InlineData("sslmode=verify-ca", "sslmode=verify-ca does not check that the certificate was issued for db.example.com")]
    [InlineData("sslmode=disable", "sslmode=disable does not check that the certificate was issued for db.example.com")]
    public void VerifyFull_policy_violation_says_what_the_mode_leaves_unchecked(string query, string why)
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://{Remote}/db?{query}");

        var problem = SingleProblem(settings, SslPolicy.VerifyFull);

        problem.Should().Be(new ConfigurationProblem("sslmode", settings.GetSource("sslmode"),
            why + ", and SslPolicy.VerifyFull requires verify-full for the remote host db.example.com. " +
            "Use sslmode=verify-full (with sslrootcert=<CA file>, or sslrootcert=system for a public CA), or choose SslPolicy.RequireEncryption"));
    }

    [Fact]
    public void VerifyFull_policy_violation_for_several_hosts_names_them_all()
        => SingleProblem("postgresql://a.example.com,b.example.com/db?sslmode=require", SslPolicy.VerifyFull).Message.Should().Be(
            "sslmode=require does not check that the certificate was issued for a.example.com, b.example.com, and SslPolicy.VerifyFull requires verify-full for the remote hosts a.example.com, b.example.com. " +
            "Use sslmode=verify-full (with sslrootcert=<CA file>, or sslrootcert=system for a public CA), or choose SslPolicy.RequireEncryption");

    [Theory]
    [InlineData("prefer")]
    [InlineData("require")]
    public void Gss_encryption_under_VerifyFull_is_an_error_naming_the_mode_and_the_way_out(string gssMode)
    {
        var problem = SingleProblem($"postgresql://{Remote}/db?sslmode=verify-full&sslrootcert=system&gssencmode={gssMode}", SslPolicy.VerifyFull);

        problem.Key.Should().Be("gssencmode");
        problem.Message.Should().Be(
            $"gssencmode={gssMode} may replace TLS with GSSAPI encryption, which checks no server certificate, and SslPolicy.VerifyFull requires a verified certificate for the remote host db.example.com; " +
            "use gssencmode=disable (the default), or choose SslPolicy.RequireEncryption to accept Kerberos-authenticated encryption");
    }

    [Theory]
    [InlineData("postgresql://db.example.com/db?sslmode=require&gssencmode=prefer", SslPolicy.RequireEncryption)]
    [InlineData("postgresql://db.example.com/db?sslmode=verify-full&sslrootcert=system&gssencmode=disable", SslPolicy.VerifyFull)]
    [InlineData("postgresql://localhost/db?gssencmode=require", SslPolicy.VerifyFull)]
    public void Gss_encryption_is_refused_only_under_VerifyFull_for_remote_hosts(string url, SslPolicy policy)
    {
        var problems = new ProblemList();

        SslModeResolver.Resolve(ConnectionSettings.FromUrl(url), policy, problems);

        problems.HasProblems.Should().BeFalse();
    }

    [Fact]
    public void Channel_binding_require_adds_require_auth_scram_and_says_why()
    {
        var problems = new ProblemList();

        var decision = SslModeResolver.Resolve(ConnectionSettings.FromUrl("postgresql://localhost/db?channel_binding=require"), SslPolicy.RequireEncryption, problems);

        problems.HasProblems.Should().BeFalse();
        decision.RequireAuth.Should().Be("scram-sha-256");
        decision.RequireAuthSource.Should().Be(new SettingSource(SettingSourceKind.Policy, "require_auth", "channel_binding=require"));
    }

    [Fact]
    public void Channel_binding_require_keeps_an_explicit_require_auth_scram()
    {
        var problems = new ProblemList();

        var decision = SslModeResolver.Resolve(ConnectionSettings.FromUrl("postgresql://localhost/db?channel_binding=require&require_auth=scram-sha-256"), SslPolicy.RequireEncryption, problems);

        problems.HasProblems.Should().BeFalse();
        decision.RequireAuth.Should().Be("scram-sha-256");
        decision.RequireAuthSource.Should().BeNull();
    }

    [Fact]
    public void Channel_binding_require_with_require_auth_md5_names_the_conflict()
    {
        var settings = ConnectionSettings.FromUrl("postgresql://localhost/db?channel_binding=require&require_auth=md5");

        var problem = SingleProblem(settings, SslPolicy.RequireEncryption);

        problem.Should().Be(new ConfigurationProblem("require_auth", settings.GetSource("require_auth"),
            "channel_binding=require only works with SCRAM, but require_auth=md5 allows other methods; use require_auth=scram-sha-256 or leave it unset"));
    }

    [Fact]
    public void Channel_binding_prefer_leaves_require_auth_alone()
    {
        var problems = new ProblemList();

        var decision = SslModeResolver.Resolve(ConnectionSettings.FromUrl("postgresql://localhost/db?channel_binding=prefer&require_auth=md5"), SslPolicy.RequireEncryption, problems);

        problems.HasProblems.Should().BeFalse();
        decision.RequireAuth.Should().Be("md5");
        decision.RequireAuthSource.Should().BeNull();
    }

    [Theory]
    [InlineData(SslMode.Disable, true)]
    [InlineData(SslMode.Allow, true)]
    [InlineData(SslMode.Prefer, true)]
    [InlineData(SslMode.Require, false)]
    [InlineData(SslMode.VerifyCA, false)]
    [InlineData(SslMode.VerifyFull, false)]
    public void Only_the_modes_below_require_may_be_plaintext(SslMode mode, bool expected)
        => SslModeResolver.MayBePlaintext(mode).Should().Be(expected);

    private static ConfigurationProblem SingleProblem(string url, SslPolicy policy) => SingleProblem(ConnectionSettings.FromUrl(url), policy);

    private static ConfigurationProblem SingleProblem(ConnectionSettings settings, SslPolicy policy)
    {
        var problems = new ProblemList();

        SslModeResolver.Resolve(settings, policy, problems);

        return Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny).Problems.Should().ContainSingle().Subject;
    }
}
