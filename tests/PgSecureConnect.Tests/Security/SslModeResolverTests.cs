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
}
