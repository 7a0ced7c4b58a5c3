using Microsoft.Extensions.Configuration;
using Npgsql;
using PgSecureConnect.ContainerTests.Infrastructure;
using Testcontainers.PostgreSql;
using Xunit.Abstractions;

namespace PgSecureConnect.ContainerTests.Connecting;

/// <summary>
/// The library against a container's published port (127.0.0.1, a local server) and against its own address on the
/// Docker bridge (a remote server, so the <see cref="SslPolicy"/> applies for real).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ContainerConnectionTests(ServerFixture fixture, ITestOutputHelper output)
{
    private const string ServerSslQuery = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    [Fact]
    public async Task The_Npgsql_connection_string_of_the_container_works_through_configuration()
    {
        output.WriteLine($"image {ContainerImage.Name}; two TLS containers started in {fixture.StartupTime.TotalSeconds:F1} s");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Default"] = fixture.Plain.GetConnectionString() })
            .Build();

        await using var factory = ConnectionFactory.FromConfiguration(configuration);
        await using var connection = await factory.OpenConnectionAsync();

        factory.Settings.Servers.Should().Equal(new ServerEndpoint(fixture.Plain.Hostname, fixture.Plain.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort)));
        factory.Settings.Servers[0].IsLocal.Should().BeTrue();
        factory.Settings.Database.Should().Be(Containers.Database);
        factory.Settings.Username.Should().Be(Containers.Username);
        var passwordSource = factory.Settings.Sources.Should().ContainKey("password").WhoseValue;
        passwordSource.Kind.Should().Be(SettingSourceKind.Url, "a key of the connection string");
        passwordSource.Location.Should().Contain("ConnectionStrings:Default");
        (await Containers.ScalarAsync<string>(connection, "SELECT current_user || '@' || current_database()")).Should().Be($"{Containers.Username}@{Containers.Database}");
        (await Containers.ScalarAsync<int>(connection, "SELECT inet_server_port()")).Should().Be(PostgreSqlBuilder.PostgreSqlPort, "inside the container the server listens on 5432");
    }

    [Fact]
    public async Task The_equivalent_postgresql_url_reaches_the_same_server_with_the_same_settings()
    {
        var npgsql = new NpgsqlConnectionStringBuilder(fixture.Plain.GetConnectionString());
        var url = $"postgresql://{npgsql.Username}:{Uri.EscapeDataString(npgsql.Password!)}@{npgsql.Host}:{npgsql.Port}/{npgsql.Database}?application_name=container-tests";
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Default"] = fixture.Plain.GetConnectionString() })
            .Build();

        await using var fromUrl = ConnectionFactory.FromUrl(url);
        await using var fromConfiguration = ConnectionFactory.FromConfiguration(configuration);
        await using var connection = await fromUrl.OpenConnectionAsync();

        fromUrl.Settings.Servers.Should().Equal(fromConfiguration.Settings.Servers);
        fromUrl.Settings.Database.Should().Be(fromConfiguration.Settings.Database);
        fromUrl.Settings.Username.Should().Be(fromConfiguration.Settings.Username);
        fromUrl.Settings.GetPassword().Should().Be(Containers.Password);
        fromUrl.Settings.SslMode.Should().Be(SslMode.Prefer, "an unset sslmode stays libpq's prefer for a local server");
        (await Containers.ScalarAsync<string>(connection, "SELECT current_setting('application_name')")).Should().Be("container-tests");
        (await Containers.ScalarAsync<bool>(connection, ServerSslQuery)).Should().BeTrue("prefer encrypts when the server offers TLS, and the container has it on");
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("allow")]
    [InlineData("prefer")]
    public void Plaintext_capable_modes_for_the_bridge_address_are_refused_by_the_default_policy(string sslMode)
    {
        var url = $"{BridgeUrl(fixture.Tls)}?sslmode={sslMode}";

        var exception = FluentActions.Invoking(() => ConnectionFactory.FromUrl(url)).Should().Throw<ConnectionConfigurationException>().Which;

        exception.Key.Should().Be("sslmode");
        exception.Message.Should().Contain(fixture.Tls.IpAddress).And.NotContain(Containers.Password);
    }

    [Fact]
    public async Task Verify_full_at_the_bridge_address_is_the_default_with_a_root_certificate_and_encrypts()
    {
        await using var factory = ConnectionFactory.FromUrl($"{BridgeUrl(fixture.Tls)}?sslrootcert={Uri.EscapeDataString(fixture.CaCertificatePath)}");
        await using var connection = await factory.OpenConnectionAsync();

        factory.Settings.HasRemoteServers.Should().BeTrue();
        factory.Settings.SslMode.Should().Be(SslMode.VerifyFull);
        (await Containers.ScalarAsync<bool>(connection, ServerSslQuery)).Should().BeTrue();
        (await Containers.ScalarAsync<string>(connection, "SELECT host(inet_server_addr())")).Should().Be(fixture.Tls.IpAddress);
    }

    [Fact]
    public async Task Require_with_a_root_certificate_is_verify_ca_so_a_certificate_for_other_names_still_connects()
    {
        await using var factory = ConnectionFactory.FromUrl($"{BridgeUrl(fixture.Plain)}?sslmode=require&sslrootcert={Uri.EscapeDataString(fixture.CaCertificatePath)}");
        await using var connection = await factory.OpenConnectionAsync();

        factory.Settings.SslMode.Should().Be(SslMode.VerifyCA, "libpq treats require with a root certificate as verify-ca");
        (await Containers.ScalarAsync<bool>(connection, ServerSslQuery)).Should().BeTrue();
    }

    [Fact]
    public async Task Verify_full_refuses_a_certificate_that_does_not_name_the_bridge_address()
    {
        await using var factory = ConnectionFactory.FromUrl(
            $"{BridgeUrl(fixture.Plain)}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.CaCertificatePath)}",
            new ConnectionFactoryOptions { Retry = new RetryPolicy { MaxAttempts = 3 } });

        var (exception, elapsed) = await Containers.FailureOf(async () => await factory.OpenConnectionAsync());

        var failure = exception.Should().BeOfType<ConnectionFailedException>().Subject;
        failure.Kind.Should().Be(ConnectionFailureKind.Certificate);
        failure.IsTransient.Should().BeFalse();
        failure.Attempts.Should().ContainSingle("a certificate failure is not retried").Which.Phase.Should().Be(ConnectionPhase.Tls);
        failure.Attempts[0].Error.Should().Contain($"not for '{fixture.Plain.IpAddress}'");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Untrusted_server_certificate_is_refused_when_no_root_certificate_matches()
    {
        using var other = new CertificateAuthority();
        await using var factory = ConnectionFactory.FromUrl($"{BridgeUrl(fixture.Tls)}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(other.CaCertificatePath)}");

        var (exception, _) = await Containers.FailureOf(async () => await factory.OpenConnectionAsync());

        exception.Should().BeOfType<ConnectionFailedException>().Which.Kind.Should().Be(ConnectionFailureKind.Certificate);
    }

    /// <summary>The container at its address on the Docker bridge, port 5432 (not published: reached through the bridge).</summary>
    private static string BridgeUrl(PostgreSqlContainer container) =>
        $"postgresql://{Containers.Username}:{Uri.EscapeDataString(Containers.Password)}@{container.IpAddress}:{PostgreSqlBuilder.PostgreSqlPort}/{Containers.Database}";
}
