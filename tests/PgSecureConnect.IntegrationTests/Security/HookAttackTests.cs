using System.Net.Security;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Security;

/// <summary>
/// A caller's <see cref="ConnectionFactoryOptions.ConfigureDataSource"/> hook (written carelessly, or by a library the
/// caller trusts) tries to undo the factory's certificate verification, against a real TLS server whose certificate
/// names another host.
/// </summary>
[Collection(TestBedCollection.Name)]
public sealed class HookAttackTests(TestBedFixture fixture)
{
    private async Task<string> WrongNameVerifyFullAsync()
    {
        var server = await fixture.GetOrStartServerAsync("certificate-" + ServerCertificateKind.WrongHostName, () => new PostgresServerOptions { Certificate = ServerCertificateKind.WrongHostName });
        return $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}";
    }

    [Fact]
    public async Task Hook_replacing_the_tls_callback_cannot_switch_off_host_name_verification()
    {
        var callerCallbackRan = 0;
        var options = new ConnectionFactoryOptions
        {
            ConfigureDataSource = builder => builder.UseSslClientAuthenticationOptionsCallback(tls =>
            {
                Interlocked.Increment(ref callerCallbackRan);
#pragma warning disable CA5359 // The attack under test: a hook that accepts every certificate.
                tls.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            }),
        };
        await using var factory = ConnectionFactory.FromUrl(await WrongNameVerifyFullAsync(), options);

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        failure.Attempts[0].Error.Should().Contain("not for '127.0.0.1'");
        callerCallbackRan.Should().BeGreaterThan(0, "the caller's callback is composed with the verification, not dropped");
        factory.Settings.SslMode.Should().Be(Npgsql.SslMode.VerifyFull);
    }

    [Fact]
    public async Task Hook_moving_the_tls_target_host_to_the_certificate_name_cannot_pass_host_name_verification()
    {
        var options = new ConnectionFactoryOptions
        {
            ConfigureDataSource = builder => builder.UseSslClientAuthenticationOptionsCallback(tls => tls.TargetHost = "wrong.example.invalid"),
        };
        await using var factory = ConnectionFactory.FromUrl(await WrongNameVerifyFullAsync(), options);

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        failure.Attempts[0].Error.Should().Contain("not for '127.0.0.1'");
    }

    [Fact]
    public async Task Hook_clearing_the_validation_callback_cannot_switch_off_verification()
    {
        var options = new ConnectionFactoryOptions
        {
            ConfigureDataSource = builder => builder.UseSslClientAuthenticationOptionsCallback(tls => tls.RemoteCertificateValidationCallback = null),
        };
        await using var factory = ConnectionFactory.FromUrl(await WrongNameVerifyFullAsync(), options);

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
    }

    [Fact]
    public async Task Hook_callback_that_also_checks_can_still_refuse_a_certificate_the_factory_would_accept()
    {
        var server = await fixture.GetSharedServerAsync();
        var url = $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}";
        RemoteCertificateValidationCallback pinNothing = (_, _, _, _) => false;
        await using var factory = ConnectionFactory.FromUrl(url, new ConnectionFactoryOptions
        {
            ConfigureDataSource = builder => builder.UseSslClientAuthenticationOptionsCallback(tls => tls.RemoteCertificateValidationCallback = pinNothing),
        });

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Certificate, "both checks must accept: the caller's pin refused");
    }
}
