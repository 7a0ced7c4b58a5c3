using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Security;

/// <summary>
/// A server (or a man in the middle) presenting a certificate that must not be accepted, against real TLS servers from
/// the test bed: each attack fails the open with <see cref="ConnectionFailureKind.Certificate"/> and a reason a person
/// can act on, never a stale one, and never with the certificate's own text unescaped.
/// </summary>
[Collection(TestBedCollection.Name)]
public sealed class CertificateAttackTests(TestBedFixture fixture)
{
    private string Ca => fixture.TestBed.Certificates.CaCertificatePath;

    private Task<PostgresServer> ServerAsync(ServerCertificateKind kind)
        => fixture.GetOrStartServerAsync("certificate-" + kind, () => new PostgresServerOptions { Certificate = kind });

    private string Url(PostgresServer server, string mode) => $"{server.Url}?sslmode={mode}&sslrootcert={Uri.EscapeDataString(Ca)}";

    [Theory]
    [InlineData(ServerCertificateKind.ClientAuthOnly, "verify-ca", "unsupported certificate purpose")]
    [InlineData(ServerCertificateKind.ClientAuthOnly, "verify-full", "unsupported certificate purpose")]
    [InlineData(ServerCertificateKind.WrongHostName, "verify-full", "it was issued for 'wrong.example.invalid', not for '127.0.0.1'")]
    [InlineData(ServerCertificateKind.Expired, "verify-ca", "it expired on")]
    [InlineData(ServerCertificateKind.Untrusted, "verify-ca", "it is not signed by the CA in sslrootcert")]
    public async Task Certificate_that_must_not_be_trusted_is_refused_with_its_reason(ServerCertificateKind kind, string mode, string reason)
    {
        var server = await ServerAsync(kind);
        await using var factory = ConnectionFactory.FromUrl(Url(server, mode));

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        failure.Attempts.Should().ContainSingle().Which.Error.Should().Contain(reason);
    }

    [Fact]
    public async Task Certificate_names_crafted_to_forge_log_lines_are_escaped_in_messages_and_logs()
    {
        var server = await ServerAsync(ServerCertificateKind.HostileNames);
        var logs = new CapturingLoggerProvider();
        await using var factory = ConnectionFactory.FromUrl(Url(server, "verify-full"), new ConnectionFactoryOptions { LoggerFactory = logs });

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        var error = failure.Attempts.Should().ContainSingle().Subject.Error;
        error.Should().Contain("evil\\u000D\\u000AINFO forged log line\\u001B[31m");
        error.Should().NotContainAny("\r", "\n", "\u001b", "\u202E");
        failure.Message.Should().NotContainAny("\r\nINFO forged", "\u001b", "\u202E");
        logs.Entries.Select(e => e.Message).Where(m => m.Contains("forged", StringComparison.Ordinal))
            .Should().NotBeEmpty().And.OnlyContain(m => !m.Contains("\nINFO forged", StringComparison.Ordinal) && !m.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rejection_reason_of_an_earlier_attempt_is_never_reported_for_a_later_one()
    {
        await using var wrongName = await fixture.TestBed.StartServerAsync(new PostgresServerOptions { Certificate = ServerCertificateKind.WrongHostName });
        var logs = new CapturingLoggerProvider();
        await using var factory = ConnectionFactory.FromUrl(Url(wrongName, "verify-full"), new ConnectionFactoryOptions { LoggerFactory = logs });
        var first = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());
        first.Attempts[0].Error.Should().Contain("wrong.example.invalid");

        // The same factory now fails for another reason: the attempt must not borrow the first rejection's text.
        await wrongName.StopAsync();
        var second = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());
        second.Attempts.Should().OnlyContain(a => !a.Error.Contains("wrong.example.invalid", StringComparison.Ordinal));
    }
}
