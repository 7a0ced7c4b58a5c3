using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>A factory's core: its logger's category, which servers race their addresses, what disposing releases, and when credentials that name a user renew the data sources.</summary>
public sealed class ConnectionFactoryCoreLifecycleTests : IAsyncDisposable
{
    private readonly RecordingLogger _logger = new();
    private readonly List<IAsyncDisposable> _disposables = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }
    }

    private IConnectionFactory Factory(string url, ConnectionFactoryOptions? options = null)
    {
        options ??= new ConnectionFactoryOptions();
        options.LoggerFactory ??= _logger;
        var factory = ConnectionFactory.FromUrl(url, options);
        _disposables.Add(factory);
        return factory;
    }

    private ScriptedServer Server(ServerScript script)
    {
        var server = new ScriptedServer(script);
        _disposables.Add(server);
        return server;
    }

    [Fact]
    public void The_factory_logs_under_the_librarys_category()
    {
        var categories = new CategoryRecorder();

        Factory("postgresql://app@localhost/orders", new ConnectionFactoryOptions { LoggerFactory = categories });

        categories.Names.Should().Contain("PgSecureConnect").And.OnlyContain(n => n.Length > 0);
    }

    [Fact]
    public void The_plaintext_warning_separates_several_remote_servers_with_a_comma()
    {
        Factory("postgresql://app@db1.example.com,db2.example.com/orders?sslmode=disable", new ConnectionFactoryOptions { SslPolicy = SslPolicy.AllowInsecure });

        _logger.Messages(PgSecureConnectEventId.InsecureSslAllowed).Should().Equal(
            "SslPolicy.AllowInsecure: connections to the remote server(s) db1.example.com:5432, db2.example.com:5432 may run without encryption (sslmode=disable)");
    }

    [Fact]
    public void A_server_given_by_name_races_its_addresses_when_attempts_are_staggered()
        => ConnectionFactoryCore.Of(Factory("postgresql://app@db.example.com/orders"))!.Hosts[0].Addresses.Should().NotBeNull();

    [Fact]
    public void A_server_given_by_address_has_no_addresses_to_race()
        => ConnectionFactoryCore.Of(Factory("postgresql://app@127.0.0.1/orders"))!.Hosts[0].Addresses.Should().BeNull();

    [Fact]
    public void Without_staggered_attempts_a_named_server_races_nothing()
        => ConnectionFactoryCore.Of(Factory("postgresql://app@db.example.com/orders", new ConnectionFactoryOptions { Retry = new RetryPolicy { AttemptDelay = Timeout.InfiniteTimeSpan } }))!
            .Hosts[0].Addresses.Should().BeNull();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Disposing_the_factory_either_way_releases_the_credential_refresh_timer(bool disposeAsynchronously)
    {
        var time = new TimerTrackingTimeProvider();
        var factory = ConnectionFactory.FromUrl("postgresql://app@localhost/orders", new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { Password = "token" }),
            CredentialRefreshInterval = TimeSpan.FromMinutes(1),
        });
        time.PendingTimers.Should().BeGreaterThan(0, "the credentials are refreshed on a timer");

        if (disposeAsynchronously)
        {
            await factory.DisposeAsync();
        }
        else
        {
            factory.Dispose();
        }

        time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public async Task Disposing_the_factory_synchronously_stops_the_background_checks_of_offline_servers()
    {
        var time = new TimerTrackingTimeProvider();
        using var refusing = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        refusing.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var factory = ConnectionFactory.FromUrl($"postgresql://app:pw@127.0.0.1:{((System.Net.IPEndPoint)refusing.LocalEndPoint!).Port}/orders?sslmode=disable",
            new ConnectionFactoryOptions { TimeProvider = time, Retry = RetryPolicy.None });
        await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());
        time.PendingTimers.Should().Be(1, "the offline server's recheck");

        factory.Dispose();

        time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public async Task A_factorys_servers_are_forgotten_when_it_is_disposed_asynchronously()
    {
        var name = "observed-servers-async-" + Guid.NewGuid().ToString("N");
        using var metrics = new MetricRecorder(name);
        var factory = ConnectionFactory.FromUrl("postgresql://app@localhost,127.0.0.1:5433/orders", new ConnectionFactoryOptions { Name = name });
        ConnectionFactoryCore.Of(factory)!.Hosts[1].TryMarkOffline();

        metrics.Observe();
        await factory.DisposeAsync();
        metrics.Observe();

        metrics.Of("pgsecureconnect.servers.offline").Select(m => (m.Tags["server.address"], m.Value)).Should().Equal(("localhost", 0.0), ("127.0.0.1", 1.0));
    }

    [Fact]
    public async Task A_new_password_for_the_same_other_user_keeps_that_users_data_source()
    {
        var time = new FakeTimeProvider();
        var password = "first";
        var server = Server(new ServerScript(Password: "first"));
        var factory = Factory($"postgresql://app@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = "app_v2", Password = password }),
            CredentialRefreshInterval = TimeSpan.FromMinutes(1),
            Retry = new RetryPolicy { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });
        var host = ConnectionFactoryCore.Of(factory)!.Hosts[0];
        await (await factory.OpenConnectionAsync()).DisposeAsync();
        var forOtherUser = host.DataSource;

        password = "second";
        server.Script = new ServerScript(Password: "second");
        time.Advance(TimeSpan.FromMinutes(1));
        await using var connection = await factory.OpenConnectionAsync();

        connection.UserName.Should().Be("app_v2");
        host.DataSource.Should().BeSameAs(forOtherUser, "the user did not change, only the password");
        _logger.Messages(PgSecureConnectEventId.CredentialUserChanged).Should().HaveCount(1);
    }

    [Fact]
    public async Task Credentials_that_come_back_to_the_settings_user_after_naming_none_keep_the_data_source()
    {
        var time = new FakeTimeProvider();
        string? user = null;
        var password = "first";
        var server = Server(new ServerScript(Password: "first"));
        var factory = Factory($"postgresql://app@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = user, Password = password }),
            CredentialRefreshInterval = TimeSpan.FromMinutes(1),
            Retry = new RetryPolicy { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });
        var host = ConnectionFactoryCore.Of(factory)!.Hosts[0];
        var original = host.DataSource;
        await (await factory.OpenConnectionAsync()).DisposeAsync();

        user = "app";
        password = "second";
        server.Script = new ServerScript(Password: "second");
        time.Advance(TimeSpan.FromMinutes(1));
        await using var connection = await factory.OpenConnectionAsync();

        connection.UserName.Should().Be("app");
        host.DataSource.Should().BeSameAs(original, "the settings' user is the one the data source was built for");
        _logger.Messages(PgSecureConnectEventId.CredentialUserChanged).Should().BeEmpty();
    }

    private sealed class CategoryRecorder : ILoggerFactory
    {
        public List<string> Names { get; } = [];

        public ILogger CreateLogger(string categoryName)
        {
            lock (Names)
            {
                Names.Add(categoryName);
            }

            return NullLogger.Instance;
        }

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
