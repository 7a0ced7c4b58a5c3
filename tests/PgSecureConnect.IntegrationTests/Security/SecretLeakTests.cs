using System.Security.Cryptography;
using System.Text.Json;
using PgSecureConnect.IntegrationTests.Infrastructure;

namespace PgSecureConnect.IntegrationTests.Security;

/// <summary>
/// No password or client key password in any string the library or its data sources expose: messages, log lines and
/// their structured state at Trace level (Npgsql's own included), exceptions, connection strings, serialized settings.
/// Real connections against a real server, with the password and an encrypted client key.
/// </summary>
[Collection(TestBedCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretLeakTests(TestBedFixture fixture) : IDisposable
{
    private const string KeyPassword = "K3y-Passw0rd-Sentinel-77";
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-leak-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Password_and_key_password_appear_in_no_log_state_exception_or_connection_string()
    {
        var server = await fixture.GetSharedServerAsync();
        var certificates = fixture.TestBed.Certificates;
        var encryptedKey = Path.Combine(_directory, "client-encrypted.key");
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(await File.ReadAllTextAsync(certificates.ClientKeyPath));
            await File.WriteAllTextAsync(encryptedKey, key.ExportEncryptedPkcs8PrivateKeyPem(KeyPassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        }

        File.SetUnixFileMode(encryptedKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var logs = new CapturingLoggerProvider();
        var url = $"{server.Url}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(certificates.CaCertificatePath)}" +
            $"&sslcert={Uri.EscapeDataString(certificates.ClientCertificatePath)}&sslkey={Uri.EscapeDataString(encryptedKey)}&sslpassword={KeyPassword}";
        var exposed = new List<string>();

        await using (var factory = ConnectionFactory.FromUrl(url, new ConnectionFactoryOptions { LoggerFactory = logs }))
        {
            await using (var connection = await factory.OpenConnectionAsync())
            {
                (await Connect.ScalarAsync<string?>(connection, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).Should().NotBeNullOrEmpty("the encrypted client key was used");
                exposed.Add(connection.ConnectionString);
            }

            exposed.Add(factory.DataSource.ConnectionString);
            exposed.Add(factory.Settings.ToString());
            exposed.Add(factory.Settings.Describe());
            exposed.Add(JsonSerializer.Serialize(factory.Settings));
        }

        await using (var wrongDatabase = ConnectionFactory.FromUrl(url.Replace($"/{server.Database}?", "/no_such_database?", StringComparison.Ordinal), new ConnectionFactoryOptions { LoggerFactory = logs }))
        {
            var failure = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await wrongDatabase.OpenConnectionAsync());
            exposed.Add(failure.ToString());
            exposed.Add(JsonSerializer.Serialize(failure.Attempts.Select(a => new { a.Server, a.Error, a.Kind })));
        }

        exposed.AddRange(logs.Entries.Select(e => e.Message));
        exposed.AddRange(logs.States);
        logs.Entries.Should().Contain(e => e.Category.StartsWith("Npgsql", StringComparison.Ordinal), "Npgsql's own events are part of what is checked");
        exposed.Should().NotContain(text => text.Contains(server.Password, StringComparison.Ordinal), "no password anywhere");
        exposed.Should().NotContain(text => text.Contains(KeyPassword, StringComparison.Ordinal), "no client key password anywhere");
    }
}
