using System.Text;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.IntegrationTests.Readme;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Credentials;

/// <summary>The README's credential recipes, run as written against a real TLS server with fake token sources.</summary>
[Collection(TestBedCollection.Name)]
public sealed class CredentialRecipeTests(TestBedFixture fixture)
{
    private static async Task AdminAsync(PostgresServer server, string sql)
    {
        await using var connection = await Connect.OpenAsync(Connect.To(server));
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private string VerifyFull(PostgresServer server, string? user = null)
        => $"postgresql://{(user is null ? string.Empty : user + "@")}{server.Host}:{server.Port}/{server.Database}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(fixture.TestBed.Certificates.CaCertificatePath)}";

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task Entra_id_recipe_uses_the_token_as_password_and_its_upn_as_user_name()
    {
        var server = await fixture.GetSharedServerAsync();
        var role = "entra_" + Guid.NewGuid().ToString("N")[..8];
        var token = $"{Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{Base64Url($"{{\"upn\":\"{role}\",\"aud\":\"https://ossrdbms-aad.database.windows.net\"}}")}.c2lnbmF0dXJl";
        await AdminAsync(server, $"CREATE ROLE {role} LOGIN PASSWORD '{token}'");
        var scopes = new List<string>();

        await using var factory = ConnectionFactory.FromUrl(VerifyFull(server), EntraIdRecipe.Options((scope, _) =>
        {
            scopes.Add(scope);
            return ValueTask.FromResult(token);
        }));
        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string>(connection, "SELECT current_user")).Should().Be(role);
        scopes.Should().NotBeEmpty().And.OnlyContain(s => s == "https://ossrdbms-aad.database.windows.net/.default");
        factory.Settings.Describe().Should().Contain("from ConnectionFactoryOptions.CredentialProvider").And.NotContain(token);
    }

    [Fact]
    public async Task Rds_iam_recipe_signs_a_token_for_each_server_and_needs_verify_full()
    {
        var server = await fixture.GetSharedServerAsync();
        var role = "iam_" + Guid.NewGuid().ToString("N")[..8];
        string Generate(string host, int port, string user) => $"{host}:{port}/?Action=connect&DBUser={user}&X-Amz-Expires=900&X-Amz-Signature=fake";
        await AdminAsync(server, $"CREATE ROLE {role} LOGIN PASSWORD '{Generate(server.Host, server.Port, role)}'");
        var signedFor = new List<string>();

        await using var factory = ConnectionFactory.FromUrl(VerifyFull(server), RdsIamRecipe.Options((host, port, user) =>
        {
            signedFor.Add($"{host}:{port}");
            return Generate(host, port, user);
        }, role));
        await using var connection = await factory.OpenConnectionAsync();

        (await Connect.ScalarAsync<string>(connection, "SELECT current_user")).Should().Be(role);
        signedFor.Should().OnlyContain(s => s == $"{server.Host}:{server.Port}");
        Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromUrl($"postgresql://db.example.com/orders?sslmode=require", RdsIamRecipe.Options((_, _, _) => "t", role)))
            .Key.Should().Be("sslmode", "the recipe's SslPolicy.VerifyFull refuses an unverified connection");
    }
}
