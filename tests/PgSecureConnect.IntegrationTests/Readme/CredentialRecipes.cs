using System.Text.Json;

namespace PgSecureConnect.IntegrationTests.Readme;

// The README's "Credentials that change" recipes, compiled here and run by CredentialRecipeTests against a real
// server with fake token sources (no cloud). ReadmeTests checks that the README shows exactly this code.

/// <summary>Azure Database for PostgreSQL with Microsoft Entra ID: an access token is the password.</summary>
public static class EntraIdRecipe
{
    public const string Scope = "https://ossrdbms-aad.database.windows.net/.default";

    // getToken: your Azure.Identity credential, for example
    // (scope, ct) => new DefaultAzureCredential().GetTokenAsync(new TokenRequestContext([scope]), ct) then .Token
    public static ConnectionFactoryOptions Options(Func<string, CancellationToken, ValueTask<string>> getToken) => new()
    {
        SslPolicy = SslPolicy.VerifyFull,
        CredentialRefreshInterval = TimeSpan.FromMinutes(5), // tokens live about an hour
        CredentialProvider = async (server, cancellationToken) =>
        {
            var token = await getToken(Scope, cancellationToken);
            return new DatabaseCredentials { UserName = UserNameIn(token), Password = token };
        },
    };

    // The database user is the signed-in principal: the token's upn (users) or its app id (managed identities).
    public static string? UserNameIn(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=')));
        return claims.RootElement.TryGetProperty("upn", out var upn) ? upn.GetString()
            : claims.RootElement.TryGetProperty("appid", out var app) ? app.GetString() : null;
    }
}

/// <summary>Amazon RDS and Aurora with IAM authentication: a 15-minute token is the password.</summary>
public static class RdsIamRecipe
{
    // generateToken: your AWS SDK call, for example
    // (host, port, user) => RDSAuthTokenGenerator.GenerateAuthToken(RegionEndpoint.EUWest1, host, port, user)
    public static ConnectionFactoryOptions Options(Func<string, int, string, string> generateToken, string user) => new()
    {
        SslPolicy = SslPolicy.VerifyFull, // RDS accepts IAM tokens over verified TLS only: give sslrootcert=<global-bundle.pem>
        CredentialRefreshInterval = TimeSpan.FromMinutes(10), // before the 15 minutes run out
        CredentialProvider = (server, _) => ValueTask.FromResult(new DatabaseCredentials
        {
            UserName = user,
            Password = generateToken(server.Host, server.Port, user), // the token is signed for this host
        }),
    };
}
