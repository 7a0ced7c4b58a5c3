using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.TestBed;

/// <summary>The TLS modes and certificate kinds, proven from the server's side (pg_stat_ssl) and by real client verification.</summary>
[Collection(TestBedCollection.Name)]
public sealed class TlsTests(TestBedFixture fixture)
{
    private const string SslOfThisSession = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    private string Ca => fixture.TestBed.Certificates.CaCertificatePath;

    [Fact]
    public async Task Valid_certificate_passes_verify_full_and_the_server_sees_tls()
    {
        var server = await fixture.GetSharedServerAsync();

        await using var connection = await Connect.OpenAsync(Connect.To(server, SslMode.VerifyFull, Ca));
        await using var command = new NpgsqlCommand("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetBoolean(0).Should().BeTrue();
        reader.GetString(1).Should().StartWith("TLSv1.");
    }

    [Fact]
    public async Task Valid_certificate_names_localhost_too()
    {
        var server = await fixture.GetSharedServerAsync();

        (await Connect.QueryAsync<bool>(Connect.To("localhost", server.Port, server, SslMode.VerifyFull, Ca), SslOfThisSession)).Should().BeTrue();
    }

    [Fact]
    public async Task Client_certificate_is_presented_and_seen_by_the_server()
    {
        var server = await fixture.GetSharedServerAsync();
        var builder = Connect.To(server, SslMode.VerifyFull, Ca);
        builder.SslCertificate = fixture.TestBed.Certificates.ClientCertificatePath;
        builder.SslKey = fixture.TestBed.Certificates.ClientKeyPath;

        (await Connect.QueryAsync<string>(builder, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            .Should().Be($"/CN={server.Username}");
    }

    [Fact]
    public async Task Tls_off_server_refuses_tls()
    {
        var server = await fixture.GetOrStartServerAsync("tls-off", () => new PostgresServerOptions { Tls = ServerTlsMode.Off });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.Require)));

        exception.Should().BeAssignableTo<NpgsqlException>().And.NotBeOfType<PostgresException>();
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.Prefer), SslOfThisSession)).Should().BeFalse();
        (await server.ExecuteScalarAsync<string>("SHOW ssl")).Should().Be("off");
    }

    [Fact]
    public async Task HostSslOnly_rejects_plaintext_with_28000()
    {
        var server = await fixture.GetOrStartServerAsync("hostssl-only", () => new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.Disable)));

        var postgres = exception.Should().BeOfType<PostgresException>().Subject;
        postgres.SqlState.Should().Be(PostgresErrorCodes.InvalidAuthorizationSpecification);
        postgres.MessageText.Should().Contain("no pg_hba.conf entry");
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.VerifyFull, Ca), SslOfThisSession)).Should().BeTrue();

        // The admin helper uses the Unix socket, so it works whatever the TLS mode.
        (await server.ExecuteScalarAsync<int>("SELECT 1")).Should().Be(1);
    }

    [Fact]
    public async Task HostNoSslOnly_rejects_tls_with_28000()
    {
        var server = await fixture.GetOrStartServerAsync("hostnossl-only", () => new PostgresServerOptions { Tls = ServerTlsMode.HostNoSslOnly });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.Require)));

        var postgres = exception.Should().BeOfType<PostgresException>().Subject;
        postgres.SqlState.Should().Be(PostgresErrorCodes.InvalidAuthorizationSpecification);
        postgres.MessageText.Should().Contain("no pg_hba.conf entry").And.Contain("SSL encryption");
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.Disable), SslOfThisSession)).Should().BeFalse();
        (await server.ExecuteScalarAsync<string>("SHOW ssl")).Should().Be("on");
    }

    [Fact]
    public async Task Wrong_host_name_fails_verify_full_but_passes_verify_ca()
    {
        var server = await fixture.GetOrStartServerAsync("cert-wrong-name", () => new PostgresServerOptions { Certificate = ServerCertificateKind.WrongHostName });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.VerifyFull, Ca)));

        exception.Chain().Should().Contain(e => e is AuthenticationException);
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.VerifyCA, Ca), SslOfThisSession)).Should().BeTrue();
    }

    [Fact]
    public async Task Expired_certificate_fails_verify_ca()
    {
        var server = await fixture.GetOrStartServerAsync("cert-expired", () => new PostgresServerOptions { Certificate = ServerCertificateKind.Expired });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.VerifyCA, Ca)));

        exception.Chain().Should().Contain(e => e is AuthenticationException);

        // Only the dates are wrong: without verification the same server does TLS.
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.Require), SslOfThisSession)).Should().BeTrue();
    }

    [Fact]
    public async Task Untrusted_certificate_fails_verify_ca_and_is_signed_by_the_untrusted_ca()
    {
        var server = await fixture.GetOrStartServerAsync("cert-untrusted", () => new PostgresServerOptions { Certificate = ServerCertificateKind.Untrusted });

        var (exception, _) = await Connect.FailureOf(() => Connect.OpenAsync(Connect.To(server, SslMode.VerifyCA, Ca)));

        exception.Chain().Should().Contain(e => e is AuthenticationException);
        var untrustedCa = fixture.TestBed.Certificates.UntrustedCaCertificatePath;
        (await Connect.QueryAsync<bool>(Connect.To(server, SslMode.VerifyFull, untrustedCa), SslOfThisSession)).Should().BeTrue();
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Key_files_are_private_to_the_server_user()
    {
        var server = await fixture.GetSharedServerAsync();
        var key = Path.Combine(server.DataDirectory, "server.key");

        File.GetUnixFileMode(key).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(fixture.TestBed.Certificates.ClientKeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
