using Npgsql;
using PgSecureConnect.Credentials;
using PgSecureConnect.Parsing;
using PgSecureConnect.Security;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Gives Npgsql the password for a new physical connection (its password provider), so that the password never sits in
/// a connection string and Npgsql never falls back to what the process environment holds (<c>PGPASSWORD</c>,
/// <c>PGPASSFILE</c>, <c>~/.pgpass</c>): only the settings decide. The password, else a match in the configured
/// <c>passfile</c> (read at connect time, as libpq does), else a clear error when the server asks for one.
/// </summary>
internal sealed class PasswordResolver(ConnectionSettings settings, CredentialStore credentials)
{
    public string GetPassword(NpgsqlConnectionStringBuilder connection)
        => Resolve(connection, credentials.GetAsync(Server(connection), async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult());

    public async ValueTask<string> GetPasswordAsync(NpgsqlConnectionStringBuilder connection, CancellationToken cancellationToken)
        => Resolve(connection, await credentials.GetAsync(Server(connection), async: true, cancellationToken).ConfigureAwait(false));

    private static ServerEndpoint Server(NpgsqlConnectionStringBuilder connection) => new(connection.Host!, connection.Port);

    private string Resolve(NpgsqlConnectionStringBuilder connection, CredentialSnapshot current)
    {
        if (current.UserName is { } user && user != connection.Username)
        {
            // This data source was built for the previous user; the factory builds one for the new user.
            throw new CredentialsChangedException();
        }

        if (current.Password is { } password)
        {
            return password;
        }

        if (settings.Passfile is { } passfile)
        {
            var found = ReadPassfile(passfile, connection);
            if (found is not null)
            {
                return found;
            }
        }

        throw new PasswordNotConfiguredException(
            $"the server asks for a password, but none is configured for user '{connection.Username}'" +
            (settings.Passfile is { } file ? $" and no line of the password file '{file}' matches {connection.Host}:{connection.Port}" : string.Empty) +
            "; set the password in the URL, DB_PASSWORD or DB_PASSWORD_FILE");
    }

    private static string? ReadPassfile(string path, NpgsqlConnectionStringBuilder connection)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (SecretFilePermissions.Check(path) is { } tooOpen)
        {
            throw new PasswordNotConfiguredException($"the password file '{path}' {tooOpen}");
        }

        return PgPassFile.FindPassword(File.ReadAllText(path), connection.Host!, connection.Port, connection.Database, connection.Username!);
    }
}

/// <summary>No password is configured for a server that asks for one (or the password file may not be used).</summary>
internal sealed class PasswordNotConfiguredException(string message) : Exception(message);
