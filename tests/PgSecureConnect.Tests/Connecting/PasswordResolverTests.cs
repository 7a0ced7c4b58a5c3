using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Credentials;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The password Npgsql gets for a new physical connection: only from the settings or their password file, never from the environment.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PasswordResolverTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-password-").FullName;
    private readonly List<CredentialStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static NpgsqlConnectionStringBuilder Connection(string user = "app") => new() { Host = "db.internal", Port = 5433, Database = "orders", Username = user };

    private PasswordResolver Resolver(string url, ConnectionFactoryOptions? options = null)
    {
        var settings = ConnectionSettings.FromUrl(url);
        var store = new CredentialStore(settings, options ?? new ConnectionFactoryOptions(), NullLogger.Instance);
        _stores.Add(store);
        return new PasswordResolver(settings, store);
    }

    private string Passfile(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_directory, "pgpass");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public async Task The_password_of_the_settings_is_given_to_synchronous_and_asynchronous_opens()
    {
        var resolver = Resolver("postgresql://app:s3cret@db.internal:5433/orders");

        resolver.GetPassword(Connection()).Should().Be("s3cret");
        (await resolver.GetPasswordAsync(Connection(), CancellationToken.None)).Should().Be("s3cret");
    }

    [Fact]
    public void The_password_file_is_read_when_the_settings_hold_no_password()
    {
        var passfile = Passfile("other.internal:5433:orders:app:wrong\ndb.internal:5433:orders:app:from-file\n");

        var resolver = Resolver($"postgresql://app@db.internal:5433/orders?passfile={Uri.EscapeDataString(passfile)}");

        resolver.GetPassword(Connection()).Should().Be("from-file");
    }

    [Fact]
    public void The_password_of_the_settings_wins_over_the_password_file()
    {
        var passfile = Passfile("*:*:*:*:from-file\n");

        var resolver = Resolver($"postgresql://app:from-url@db.internal:5433/orders?passfile={Uri.EscapeDataString(passfile)}");

        resolver.GetPassword(Connection()).Should().Be("from-url");
    }

    [Fact]
    public void The_password_file_is_read_at_connect_time_so_a_rewritten_file_is_seen()
    {
        var passfile = Passfile("*:*:*:*:first\n");
        var resolver = Resolver($"postgresql://app@db.internal:5433/orders?passfile={Uri.EscapeDataString(passfile)}");
        resolver.GetPassword(Connection()).Should().Be("first");

        File.WriteAllText(passfile, "*:*:*:*:second\n");

        resolver.GetPassword(Connection()).Should().Be("second");
    }

    [Fact]
    public void No_password_and_no_password_file_is_a_clear_error_when_the_server_asks()
    {
        var resolver = Resolver("postgresql://app@db.internal:5433/orders");

        var exception = Assert.Throws<PasswordNotConfiguredException>(() => resolver.GetPassword(Connection()));

        exception.Message.Should().Be("the server asks for a password, but none is configured for user 'app'; set the password in the URL, DB_PASSWORD or DB_PASSWORD_FILE");
    }

    [Fact]
    public void A_password_file_without_a_matching_line_is_named_in_the_error()
    {
        var passfile = Passfile("other.internal:5433:orders:app:wrong\n");
        var resolver = Resolver($"postgresql://app@db.internal:5433/orders?passfile={Uri.EscapeDataString(passfile)}");

        var exception = Assert.Throws<PasswordNotConfiguredException>(() => resolver.GetPassword(Connection()));

        exception.Message.Should().Be($"the server asks for a password, but none is configured for user 'app' and no line of the password file '{passfile}' matches db.internal:5433; set the password in the URL, DB_PASSWORD or DB_PASSWORD_FILE");
    }

    [Fact]
    public async Task A_missing_password_file_is_no_password()
    {
        var missing = Path.Combine(_directory, "absent");
        var resolver = Resolver($"postgresql://app@db.internal:5433/orders?passfile={Uri.EscapeDataString(missing)}");

        var exception = await Assert.ThrowsAsync<PasswordNotConfiguredException>(() => resolver.GetPasswordAsync(Connection(), CancellationToken.None).AsTask());

        exception.Message.Should().Contain($"no line of the password file '{missing}' matches");
    }

    [Fact]
    public void A_password_file_other_users_can_read_is_refused_like_libpq_does()
    {
        var passfile = Passfile("*:*:*:*:exposed\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var resolver = Resolver($"postgresql://app@db.internal:5433/orders?passfile={Uri.EscapeDataString(passfile)}");

        var exception = Assert.Throws<PasswordNotConfiguredException>(() => resolver.GetPassword(Connection()));

        exception.Message.Should().StartWith($"the password file '{passfile}' has permissions 0604, so other users can read it");
        exception.Message.Should().NotContain("exposed");
    }

    [Fact]
    public void The_provider_is_asked_for_the_server_the_connection_goes_to()
    {
        var asked = new List<ServerEndpoint>();
        var options = new ConnectionFactoryOptions
        {
            CredentialProvider = (server, _) =>
            {
                asked.Add(server);
                return ValueTask.FromResult(new DatabaseCredentials { UserName = "app", Password = "token-" + server.Port });
            },
        };
        var resolver = Resolver("postgresql://app@db.internal:5433,db2.internal:5434/orders", options);

        resolver.GetPassword(Connection()).Should().Be("token-5433");
        asked.Should().Equal(new ServerEndpoint("db.internal", 5433));
    }

    [Fact]
    public void A_provider_that_names_no_user_keeps_the_data_sources_user()
    {
        var options = new ConnectionFactoryOptions { CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { Password = "token" }) };
        var resolver = Resolver("postgresql://app@db.internal:5433/orders", options);

        resolver.GetPassword(Connection()).Should().Be("token");
    }

    [Fact]
    public async Task Credentials_that_now_name_another_user_are_not_sent_as_this_data_sources_user()
    {
        var options = new ConnectionFactoryOptions { CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = "app_v2", Password = "token" }) };
        var resolver = Resolver("postgresql://app@db.internal:5433/orders", options);

        Assert.Throws<CredentialsChangedException>(() => resolver.GetPassword(Connection(user: "app")));
        await Assert.ThrowsAsync<CredentialsChangedException>(() => resolver.GetPasswordAsync(Connection(user: "app"), CancellationToken.None).AsTask());
        resolver.GetPassword(Connection(user: "app_v2")).Should().Be("token", "the data source built for the new user gets its password");
    }
}
