using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.IntegrationTests.Credentials;

/// <summary>
/// Credentials that change while the application runs, against a real server: passwords rotated in both orders
/// (secret file first, or the server first), a dynamic user replaced by another, and short-lived tokens from a
/// provider. 16 workers open continuously while the pools are cleared every 100 ms, so new physical connections keep
/// authenticating; no open may fail.
/// </summary>
[Collection(TestBedCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CredentialRotationTests(TestBedFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-rotation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task AdminAsync(PostgresServer server, string sql)
    {
        await using var connection = await Connect.OpenAsync(Connect.To(server));
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> PasswordWorksAsync(PostgresServer server, string user, string password)
    {
        var builder = Connect.To(server);
        builder.Username = user;
        builder.Password = password;
        try
        {
            await using var connection = await Connect.OpenAsync(builder);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "28P01")
        {
            return false;
        }
    }

    private static Dictionary<string, string?> Discrete(PostgresServer server, string user, string passwordFile) => new()
    {
        ["DB_HOST"] = server.Host,
        ["DB_PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DB_NAME"] = server.Database,
        ["DB_USER"] = user,
        ["DB_PASSWORD_FILE"] = passwordFile,
    };

    private static string NewSecret() => "s" + Guid.NewGuid().ToString("N");

    private static string Role() => "rot_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Writes a secret as Kubernetes projects it: the file is a link into <c>..data</c>, which is swapped atomically.</summary>
    private sealed class ProjectedSecret
    {
        private readonly string _directory;
        private int _version;

        public ProjectedSecret(string directory)
        {
            _directory = directory;
            Directory.CreateDirectory(directory);
        }

        public string PathOf(string key) => Path.Combine(_directory, key);

        public void Write(IReadOnlyDictionary<string, string> values)
        {
            var version = Path.Combine(_directory, $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{++_version}");
            Directory.CreateDirectory(version);
            foreach (var (key, value) in values)
            {
                File.WriteAllText(Path.Combine(version, key), value + "\n");
                File.SetUnixFileMode(Path.Combine(version, key), UnixFileMode.UserRead | UnixFileMode.UserWrite);
                if (!File.Exists(PathOf(key)))
                {
                    File.CreateSymbolicLink(PathOf(key), Path.Combine("..data", key));
                }
            }

            // rename(2) over the old link, as the kubelet does (.NET's File.Move follows a link to a directory).
            var temporary = Path.Combine(_directory, "..data_tmp");
            File.Delete(temporary);
            File.CreateSymbolicLink(temporary, Path.GetFileName(version));
            using var move = System.Diagnostics.Process.Start("mv", ["-Tf", temporary, Path.Combine(_directory, "..data")])!;
            move.WaitForExit();
            move.ExitCode.Should().Be(0);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Password_rotated_three_times_fails_no_open_in_either_order(bool fileFirst)
    {
        var server = await fixture.GetSharedServerAsync();
        var role = Role();
        var password = NewSecret();
        var original = password;
        await AdminAsync(server, $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        var secret = new ProjectedSecret(Path.Combine(_directory, "secret"));
        secret.Write(new Dictionary<string, string> { ["password"] = password });

        var logs = new CapturingLoggerProvider();
        await using var factory = ConnectionFactory.FromVariables(
            new Dictionary<string, string?>
            {
                ["DB_HOST"] = server.Host,
                ["DB_PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DB_NAME"] = server.Database,
                ["DB_USER"] = role,
                ["DB_PASSWORD_FILE"] = secret.PathOf("password"),
            },
            new ConnectionFactoryOptions { LoggerFactory = logs });
        var core = ConnectionFactoryCore.Of(factory)!;
        using var load = new RotationLoad(factory, () => core.Hosts.Select(h => h.DataSource));
        try
        {
            await Task.Delay(1000);
            for (var rotation = 0; rotation < 3; rotation++)
            {
                password = NewSecret();
                if (fileFirst)
                {
                    secret.Write(new Dictionary<string, string> { ["password"] = password });
                    await Task.Delay(500);
                    await AdminAsync(server, $"ALTER ROLE {role} PASSWORD '{password}'");
                }
                else
                {
                    await AdminAsync(server, $"ALTER ROLE {role} PASSWORD '{password}'");
                    await Task.Delay(500);
                    secret.Write(new Dictionary<string, string> { ["password"] = password });
                }

                await Task.Delay(5500);
            }
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"fileFirst={fileFirst}: opens={load.Opens} failed_opens={load.OpenFailures.Count} failed_queries={load.QueryFailures.Count} credential_retries={logs.Entries.Count(e => e.EventId.Id == 1302)}");
        load.OpenFailures.Should().BeEmpty();
        load.Opens.Should().BeGreaterThan(200);
        (await PasswordWorksAsync(server, role, original)).Should().BeFalse("the old password no longer works on the server");
        (await PasswordWorksAsync(server, role, password)).Should().BeTrue();
        factory.Settings.Describe().Should().Contain("credentials: re-read when these files change").And.Contain("3 change(s) seen").And.NotContain(password);
        logs.Entries.Count(e => e.EventId.Id == 1302).Should().BeGreaterThan(0, "the rotation window was real: some new connections were refused and retried");
        logs.Entries.Should().NotContain(e => e.Message.Contains(password, StringComparison.Ordinal) || e.Message.Contains(original, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secret_file_that_vanishes_mid_rotation_keeps_the_last_good_password_and_warns()
    {
        var server = await fixture.GetSharedServerAsync();
        var role = Role();
        var password = NewSecret();
        await AdminAsync(server, $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        var file = Path.Combine(_directory, "password");
        await File.WriteAllTextAsync(file, password);
        var logs = new CapturingLoggerProvider();
        await using var fromFile = ConnectionFactory.FromVariables(Discrete(server, role, file), new ConnectionFactoryOptions { LoggerFactory = logs });

        File.Delete(file);

        // Wait for the watcher's re-read (bounded) rather than for a fixed time that a loaded machine may exceed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!logs.Entries.Any(e => e.EventId.Id == 1301) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        ConnectionFactoryCore.Of(fromFile)!.Hosts[0].DataSource.Clear();
        await using (var connection = await fromFile.OpenConnectionAsync())
        {
            (await Connect.ScalarAsync<string>(connection, "SELECT current_user")).Should().Be(role);
        }

        logs.Entries.Should().Contain(e => e.EventId.Id == 1301 && e.Message.Contains("is missing; keeping the last credentials read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refusal_after_a_re_read_says_both_facts_and_literal_credentials_are_not_retried()
    {
        var server = await fixture.GetSharedServerAsync();
        var file = Path.Combine(_directory, "wrong-password");
        await File.WriteAllTextAsync(file, "not-the-password");
        await using var fromFile = ConnectionFactory.FromVariables(Discrete(server, server.Username, file));
        await using var literal = ConnectionFactory.FromUrl($"postgresql://{server.Username}:not-the-password@{server.Host}:{server.Port}/{server.Database}");

        var refreshed = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await fromFile.OpenConnectionAsync());
        var once = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await literal.OpenConnectionAsync());

        refreshed.Kind.Should().Be(ConnectionFailureKind.Authentication);
        refreshed.Message.Should().Contain("the secret file was re-read at").And.Contain("the server still refused");
        refreshed.Attempts.Count.Should().BeGreaterThan(1);
        refreshed.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9), "the grace period is 2 s");
        once.Attempts.Should().ContainSingle("literal credentials fail at once: no account lockouts");
    }

    [Fact]
    public async Task Dynamic_user_replaced_through_DB_USER_FILE_fails_no_open_and_the_old_role_can_be_dropped()
    {
        var server = await fixture.GetSharedServerAsync();
        var (oldRole, oldPassword, newRole, newPassword) = (Role(), NewSecret(), Role(), NewSecret());
        await AdminAsync(server, $"CREATE ROLE {oldRole} LOGIN PASSWORD '{oldPassword}'; CREATE ROLE {newRole} LOGIN PASSWORD '{newPassword}'");
        var secret = new ProjectedSecret(Path.Combine(_directory, "vault"));
        secret.Write(new Dictionary<string, string> { ["username"] = oldRole, ["password"] = oldPassword });

        await using var factory = ConnectionFactory.FromVariables(
            new Dictionary<string, string?>
            {
                ["DB_HOST"] = server.Host,
                ["DB_PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DB_NAME"] = server.Database,
                ["DB_USER_FILE"] = secret.PathOf("username"),
                ["DB_PASSWORD_FILE"] = secret.PathOf("password"),
            },
            new ConnectionFactoryOptions { DrainConnectionsOnCredentialChange = true });
        var core = ConnectionFactoryCore.Of(factory)!;
        using var load = new RotationLoad(factory, () => core.Hosts.Select(h => h.DataSource));
        try
        {
            await Task.Delay(2000);

            // Vault's agent writes both files in one projection.
            secret.Write(new Dictionary<string, string> { ["username"] = newRole, ["password"] = newPassword });
            await Task.Delay(1500);
            await AdminAsync(server, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{oldRole}'; DROP ROLE {oldRole}");
            await Task.Delay(2000);
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"dynamic user: opens={load.Opens} failed_opens={load.OpenFailures.Count} failed_queries={load.QueryFailures.Count} sessions_old={load.Results.GetValueOrDefault(oldRole)} sessions_new={load.Results.GetValueOrDefault(newRole)}");
        load.OpenFailures.Should().BeEmpty();
        load.Results.Keys.Should().Contain(oldRole).And.Contain(newRole);
        load.LastResults.Should().OnlyContain(user => user == newRole, "new sessions run as the new role");
        await using var connection = await factory.OpenConnectionAsync();
        (await Connect.ScalarAsync<string>(connection, "SELECT current_user")).Should().Be(newRole);
    }

    [Fact]
    public async Task Tokens_that_expire_every_two_seconds_fail_no_open_and_the_provider_is_not_asked_per_open()
    {
        var server = await fixture.GetSharedServerAsync();
        var role = Role();
        var tokens = new FakeTokenService();
        await AdminAsync(server, $"CREATE ROLE {role} LOGIN PASSWORD '{tokens.Current}'");
        await using var factory = ConnectionFactory.FromUrl($"postgresql://{role}@{server.Host}:{server.Port}/{server.Database}", new ConnectionFactoryOptions
        {
            CredentialProvider = (_, _) => new ValueTask<DatabaseCredentials>(new DatabaseCredentials { Password = tokens.Issue() }),
            CredentialRefreshInterval = TimeSpan.FromSeconds(1),
        });
        var core = ConnectionFactoryCore.Of(factory)!;
        using var load = new RotationLoad(factory, () => core.Hosts.Select(h => h.DataSource));
        var expiries = 0;
        try
        {
            var end = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(2000);

                // The token in use expires: the server accepts only the next one.
                await AdminAsync(server, $"ALTER ROLE {role} PASSWORD '{tokens.Rotate()}'");
                expiries++;
            }
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"tokens: opens={load.Opens} failed_opens={load.OpenFailures.Count} failed_queries={load.QueryFailures.Count} expiries={expiries} provider_calls={tokens.Issued}");
        load.OpenFailures.Should().BeEmpty();
        expiries.Should().BeGreaterThanOrEqualTo(20);
        load.Opens.Should().BeGreaterThan(300);
        tokens.Issued.Should().BeLessThan(300, "the provider is asked on an interval and after refusals, not per open").And.BeLessThan((int)(load.Opens / 3));
    }

    /// <summary>A token service with no cloud behind it: one valid token at a time, replaced on <see cref="Rotate"/>.</summary>
    private sealed class FakeTokenService
    {
        private string _current = NewSecret();
        private int _issued;

        public string Current => Volatile.Read(ref _current);

        public int Issued => Volatile.Read(ref _issued);

        public string Issue()
        {
            Interlocked.Increment(ref _issued);
            return Current;
        }

        public string Rotate()
        {
            var next = NewSecret();
            Volatile.Write(ref _current, next);
            return next;
        }
    }
}
