using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Security;

/// <summary>
/// Another component's <c>PG*</c> environment variables (or files in the home directory) must not reach a connection
/// that was not configured from them. Npgsql reads them itself for any setting left empty; the factory sets each one
/// explicitly, and reads the libpq fallbacks itself only where they apply (no prefix), so they show in the settings
/// with their source.
/// </summary>
[Collection(TestBedCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EnvironmentAttackTests(TestBedFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-envattack-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string WithoutPassword(PostgresServer server) => $"postgresql://{server.Username}@{server.Host}:{server.Port}/{server.Database}";

    [Fact]
    public async Task PGPASSWORD_meant_for_another_database_does_not_reach_a_prefixed_factory()
    {
        var server = await fixture.GetSharedServerAsync();
        using var _ = new EnvironmentVariableScope(new Dictionary<string, string?> { ["PGPASSWORD"] = server.Password });
        await using var factory = ConnectionFactory.FromEnvironment(new ConnectionFactoryOptions { VariablePrefix = "ORDERS_" },
            new Dictionary<string, string?> { ["ORDERS_DATABASE_URL"] = WithoutPassword(server), ["PGPASSWORD"] = server.Password }, _directory);

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Authentication);
        failure.Attempts.Should().ContainSingle().Which.Error.Should().Contain("none is configured");
        factory.Settings.HasPassword.Should().BeFalse();
    }

    [Fact]
    public async Task PGPASSWORD_without_a_prefix_is_read_by_the_library_and_shown_with_its_source()
    {
        var server = await fixture.GetSharedServerAsync();
        await using var factory = ConnectionFactory.FromEnvironment(null,
            new Dictionary<string, string?> { ["DATABASE_URL"] = WithoutPassword(server), ["PGPASSWORD"] = server.Password }, _directory);

        await using var connection = await factory.OpenConnectionAsync();

        factory.Settings.GetSource("password").Should().Be(new SettingSource(SettingSourceKind.EnvironmentVariable, "PGPASSWORD"));
        factory.Settings.Describe().Should().Contain("password: (set, not shown)  [environment variable PGPASSWORD]").And.NotContain(server.Password);
    }

    [Fact]
    public async Task Pgpass_file_of_another_component_does_not_reach_a_url_factory()
    {
        var server = await fixture.GetSharedServerAsync();
        var pgpass = Path.Combine(_directory, "pgpass");
        File.WriteAllText(pgpass, $"*:*:*:*:{server.Password}\n");
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var _ = new EnvironmentVariableScope(new Dictionary<string, string?> { ["PGPASSFILE"] = pgpass });
        await using var factory = ConnectionFactory.FromUrl(WithoutPassword(server));

        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());

        failure.Kind.Should().Be(ConnectionFailureKind.Authentication);
    }

    [Fact]
    public async Task Configured_passfile_is_honoured_like_libpq_and_a_readable_one_is_refused()
    {
        var server = await fixture.GetSharedServerAsync();
        var pgpass = Path.Combine(_directory, "pgpass-configured");
        File.WriteAllText(pgpass, $"# comment\nother:*:*:*:wrong\n{server.Host}:{server.Port}:*:{server.Username}:{server.Password}\n");
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var factory = ConnectionFactory.FromUrl($"{WithoutPassword(server)}?passfile={Uri.EscapeDataString(pgpass)}"))
        {
            await using var connection = await factory.OpenConnectionAsync();
            (await Connect.ScalarAsync<int>(connection, "SELECT 1")).Should().Be(1);
        }

        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        await using var open = ConnectionFactory.FromUrl($"{WithoutPassword(server)}?passfile={Uri.EscapeDataString(pgpass)}");
        var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await open.OpenConnectionAsync());
        failure.Attempts[0].Error.Should().Contain("chmod 600");
    }

    [Fact]
    public async Task Application_name_and_options_of_another_component_do_not_reach_the_session()
    {
        var server = await fixture.GetSharedServerAsync();
        using var _ = new EnvironmentVariableScope(new Dictionary<string, string?>
        {
            ["PGAPPNAME"] = "intruder",
            ["PGOPTIONS"] = "-c search_path=intruder",
            ["PGUSER"] = "intruder",
        });
        await using var factory = ConnectionFactory.FromUrl(server.Url + "?application_name=");

        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string>(connection, "SELECT current_setting('application_name')")).Should().NotBe("intruder");
        (await Connect.ScalarAsync<string>(connection, "SELECT current_setting('search_path')")).Should().NotContain("intruder");
        (await Connect.ScalarAsync<string>(connection, "SELECT current_user")).Should().Be(server.Username);
    }

    [Theory]
    [InlineData("?sslmode=require&sslcertmode=disable")]
    [InlineData("?sslmode=require")]
    public async Task Client_certificate_named_by_PGSSLCERT_is_never_presented_by_a_factory_not_configured_with_it(string query)
    {
        var server = await fixture.GetSharedServerAsync();
        var certificates = fixture.TestBed.Certificates;
        using var _ = new EnvironmentVariableScope(new Dictionary<string, string?> { ["PGSSLCERT"] = certificates.ClientCertificatePath, ["PGSSLKEY"] = certificates.ClientKeyPath });
        await using var factory = ConnectionFactory.FromUrl(server.Url + query);

        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string?>(connection, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().BeNull();
    }

    [Fact]
    public async Task Client_certificate_from_PGSSLCERT_without_a_prefix_is_presented_and_shown_with_its_source()
    {
        var server = await fixture.GetSharedServerAsync();
        var certificates = fixture.TestBed.Certificates;
        await using var factory = ConnectionFactory.FromEnvironment(null, new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = server.Url + "?sslmode=require",
            ["PGSSLCERT"] = certificates.ClientCertificatePath,
            ["PGSSLKEY"] = certificates.ClientKeyPath,
        }, _directory);

        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string?>(connection, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().NotBeNullOrEmpty();
        factory.Settings.GetSource("sslcert").Should().Be(new SettingSource(SettingSourceKind.EnvironmentVariable, "PGSSLCERT"));
    }

    [Fact]
    public async Task Sslcertmode_disable_presents_no_client_certificate_even_when_one_is_configured()
    {
        var server = await fixture.GetSharedServerAsync();
        var certificates = fixture.TestBed.Certificates;
        await using var factory = ConnectionFactory.FromUrl(server.Url +
            $"?sslmode=require&sslcert={Uri.EscapeDataString(certificates.ClientCertificatePath)}&sslkey={Uri.EscapeDataString(certificates.ClientKeyPath)}&sslcertmode=disable");

        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string?>(connection, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().BeNull();
    }
}
