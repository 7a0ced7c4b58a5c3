using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>What a factory is made of, seen through <see cref="ConnectionFactory"/>: what it logs when it is created, its data sources, disposal, and credentials that change.</summary>
public sealed class ConnectionFactoryCoreTests : IAsyncDisposable
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
    public void Creating_a_factory_logs_its_servers_sslmode_and_target()
    {
        Factory("postgresql://app@db1.example.com,db2.example.com:5433/orders?sslmode=require&target_session_attrs=read-write");

        _logger.Entries.Should().ContainSingle(e => e.EventId == PgSecureConnectEventId.FactoryCreated).Which.Should().Be(new RecordingLogger.Entry(
            PgSecureConnectEventId.FactoryCreated, LogLevel.Information,
            "PostgreSQL factory for db1.example.com:5432, db2.example.com:5433: sslmode=require (URL parameter sslmode), target_session_attrs=read-write, 2 server(s)"));
    }

    [Fact]
    public void A_sslmode_chosen_by_the_policy_is_logged_with_why()
    {
        Factory("postgresql://app@localhost/orders");

        _logger.Messages(PgSecureConnectEventId.FactoryCreated).Should().Equal(
            "PostgreSQL factory for localhost:5432: sslmode=prefer (sslmode chosen by local servers only: libpq's default), target_session_attrs=any, 1 server(s)");
    }

    [Fact]
    public void Nothing_is_logged_at_creation_below_the_information_level()
    {
        var quiet = new RecordingLogger { MinimumLevel = LogLevel.Warning };

        Factory("postgresql://app@localhost/orders", new ConnectionFactoryOptions { LoggerFactory = quiet });

        quiet.Entries.Should().BeEmpty();
    }

    [Fact]
    public void Settings_accepted_with_a_warning_are_logged()
    {
        Factory("postgresql://app@localhost/orders?sslmode=verify-full&ssl=true");

        _logger.Entries.Where(e => e.EventId == PgSecureConnectEventId.SettingsWarning).Should().ContainSingle()
            .Which.Message.Should().StartWith("Connection settings: url: ssl=true after sslmode=verify-full lowers it to sslmode=require");
    }

    [Fact]
    public void Allowing_plaintext_to_a_remote_server_is_a_warning_naming_only_the_remote_servers()
    {
        Factory("postgresql://app@localhost,db.example.com/orders?sslmode=disable", new ConnectionFactoryOptions { SslPolicy = SslPolicy.AllowInsecure });

        _logger.Entries.Should().ContainSingle(e => e.EventId == PgSecureConnectEventId.InsecureSslAllowed).Which.Should().Be(new RecordingLogger.Entry(
            PgSecureConnectEventId.InsecureSslAllowed, LogLevel.Warning,
            "SslPolicy.AllowInsecure: connections to the remote server(s) db.example.com:5432 may run without encryption (sslmode=disable)"));
    }

    [Theory]
    [InlineData("postgresql://app@localhost/orders?sslmode=disable", SslPolicy.AllowInsecure)]
    [InlineData("postgresql://app@db.example.com/orders?sslmode=require", SslPolicy.AllowInsecure)]
    [InlineData("postgresql://app@db.example.com/orders?sslmode=require", SslPolicy.RequireEncryption)]
    public void No_plaintext_warning_where_no_plaintext_can_reach_a_remote_server(string url, SslPolicy policy)
    {
        Factory(url, new ConnectionFactoryOptions { SslPolicy = policy });

        _logger.Messages(PgSecureConnectEventId.InsecureSslAllowed).Should().BeEmpty();
    }

    [Fact]
    public void Options_without_a_retry_policy_or_a_clock_are_refused_naming_the_option()
    {
        Assert.Throws<ArgumentNullException>(() => Factory("postgresql://app@localhost/orders", new ConnectionFactoryOptions { Retry = null! })).ParamName.Should().Be("options.Retry");
        Assert.Throws<ArgumentNullException>(() => Factory("postgresql://app@localhost/orders", new ConnectionFactoryOptions { TimeProvider = null! })).ParamName.Should().Be("options.TimeProvider");
    }

    [Fact]
    public void One_servers_data_source_is_the_pool_the_factory_opens_from()
    {
        var factory = Factory("postgresql://app@localhost/orders");

        factory.DataSource.Should().BeSameAs(ConnectionFactoryCore.Of(factory)!.Hosts[0].DataSource);
    }

    [Fact]
    public void Several_servers_share_one_multi_host_data_source_built_on_first_use()
    {
        var factory = Factory("postgresql://app@localhost,127.0.0.1/orders");

        var dataSource = factory.DataSource;

        dataSource.Should().BeOfType<NpgsqlMultiHostDataSource>();
        factory.DataSource.Should().BeSameAs(dataSource);
    }

    [Fact]
    public void Only_this_librarys_factories_have_a_core()
        => ConnectionFactoryCore.Of(new OtherFactory()).Should().BeNull();

    [Fact]
    public async Task A_disposed_factory_refuses_to_open_and_disposes_its_data_sources()
    {
        var factory = ConnectionFactory.FromUrl("postgresql://app@localhost,127.0.0.1/orders");
        var hosts = ConnectionFactoryCore.Of(factory)!.Hosts;
        var multiHost = factory.DataSource;

        await factory.DisposeAsync();

        FluentActions.Invoking(() => factory.DataSource).Should().Throw<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await factory.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
        FluentActions.Invoking(factory.OpenConnection).Should().Throw<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await hosts[0].DataSource.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await multiHost.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await factory.DisposeAsync()).Should().NotThrowAsync("disposing twice is harmless");
    }

    [Fact]
    public async Task A_factory_disposed_synchronously_disposes_its_data_sources_too()
    {
        var factory = ConnectionFactory.FromUrl("postgresql://app@localhost,127.0.0.1/orders");
        var hosts = ConnectionFactoryCore.Of(factory)!.Hosts;
        var multiHost = factory.DataSource;

        factory.Dispose();
        factory.Dispose();

        FluentActions.Invoking(() => factory.DataSource).Should().Throw<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await hosts[1].DataSource.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(async () => await multiHost.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Disposing_the_factory_stops_the_background_checks_of_offline_servers()
    {
        var time = new TimerTrackingTimeProvider();
        var refusing = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        refusing.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        using var _ = refusing;
        var factory = ConnectionFactory.FromUrl($"postgresql://app:pw@127.0.0.1:{((System.Net.IPEndPoint)refusing.LocalEndPoint!).Port}/orders?sslmode=disable",
            new ConnectionFactoryOptions { TimeProvider = time, Retry = RetryPolicy.None });
        await Assert.ThrowsAsync<ConnectionFailedException>(async () => await factory.OpenConnectionAsync());
        time.PendingTimers.Should().Be(1, "the offline server's recheck");

        await factory.DisposeAsync();

        time.PendingTimers.Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Credentials_that_name_another_user_get_new_data_sources_for_that_user_and_the_old_ones_go_with_the_factory(bool disposeAsynchronously)
    {
        var server = Server(new ServerScript(Password: "token"));
        var factory = Factory($"postgresql://app@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = "app_v2", Password = "token" }),
            Retry = new RetryPolicy { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });
        var host = ConnectionFactoryCore.Of(factory)!.Hosts[0];
        var first = host.DataSource;

        await using (var connection = await factory.OpenConnectionAsync())
        {
            connection.UserName.Should().Be("app_v2");
        }

        host.DataSource.Should().NotBeSameAs(first);
        _logger.Messages(PgSecureConnectEventId.CredentialUserChanged).Should().Equal($"The credentials now name another user: new connections to 127.0.0.1:{server.Port} use it");
        await FluentActions.Awaiting(async () => await (await first.OpenConnectionAsync()).DisposeAsync()).Should().ThrowAsync<NpgsqlException>("the old data source was built for the old user");

        if (disposeAsynchronously)
        {
            await factory.DisposeAsync();
        }
        else
        {
            factory.Dispose();
        }

        await FluentActions.Awaiting(async () => await first.OpenConnectionAsync()).Should().ThrowAsync<ObjectDisposedException>("the retired data source is disposed with the factory");
    }

    [Fact]
    public async Task Draining_on_a_change_of_user_is_said_in_the_log()
    {
        var server = Server(new ServerScript(Password: "token"));
        var factory = Factory($"postgresql://app@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = "app_v2", Password = "token" }),
            Retry = new RetryPolicy { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            DrainConnectionsOnCredentialChange = true,
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });

        await using var connection = await factory.OpenConnectionAsync();

        _logger.Messages(PgSecureConnectEventId.CredentialUserChanged).Should().Equal($"The credentials now name another user: new connections to 127.0.0.1:{server.Port} use it; the old pools are drained");
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public async Task A_new_password_drains_the_pools_only_when_asked(bool drain, int connections)
    {
        var time = new FakeTimeProvider();
        var password = "first";
        var server = Server(new ServerScript(Password: "first"));
        var factory = Factory($"postgresql://app@127.0.0.1:{server.Port}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = "app", Password = password }),
            CredentialRefreshInterval = TimeSpan.FromMinutes(1),
            DrainConnectionsOnCredentialChange = drain,
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });
        await (await factory.OpenConnectionAsync()).DisposeAsync();

        password = "second";
        server.Script = new ServerScript(Password: "second");
        time.Advance(TimeSpan.FromMinutes(1));
        await using var connection = await factory.OpenConnectionAsync();

        server.Connections.Should().Be(connections);
    }

    [Fact]
    public async Task Credentials_that_name_another_user_renew_only_the_data_source_of_the_server_they_were_fetched_for()
    {
        var first = Server(new ServerScript(Password: "token"));
        using var refusing = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        refusing.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var second = ((System.Net.IPEndPoint)refusing.LocalEndPoint!).Port;
        var factory = Factory($"postgresql://app@127.0.0.1:{first.Port},127.0.0.1:{second}/orders?sslmode=disable", new ConnectionFactoryOptions
        {
            // Per server, as token services for RDS do: only the first server's credentials name another user.
            CredentialProvider = (server, _) => ValueTask.FromResult(new DatabaseCredentials { UserName = server.Port == first.Port ? "app_v2" : "app", Password = "token" }),
            Retry = new RetryPolicy { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            ConfigureDataSource = ScriptedServer.WithoutTypeLoading,
        });
        var hosts = ConnectionFactoryCore.Of(factory)!.Hosts;
        var secondDataSource = hosts[1].DataSource;

        await using var connection = await factory.OpenConnectionAsync();

        connection.Port.Should().Be(first.Port);
        hosts[1].DataSource.Should().BeSameAs(secondDataSource, "its own credentials still name the settings' user");
    }

    [Fact]
    public void A_factory_that_cannot_be_built_releases_its_credential_timer()
    {
        var time = new TimerTrackingTimeProvider();
        var options = new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { Password = "token" }),
        };

        Assert.Throws<ConnectionConfigurationException>(() => Factory("postgresql://app@localhost/orders?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem", options));

        time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public void A_factory_whose_data_source_cannot_be_built_releases_its_credential_timer()
    {
        var time = new TimerTrackingTimeProvider();
        var options = new ConnectionFactoryOptions
        {
            TimeProvider = time,
            CredentialProvider = (_, _) => ValueTask.FromResult(new DatabaseCredentials { Password = "token" }),
            ConfigureDataSource = b => b.ConnectionStringBuilder.Port = 1,
        };

        Assert.Throws<ConnectionConfigurationException>(() => Factory("postgresql://app@localhost/orders", options));

        time.PendingTimers.Should().Be(0);
    }

    [Fact]
    public void A_factorys_servers_are_observed_while_it_lives_and_forgotten_when_it_is_disposed()
    {
        var name = "observed-servers-" + Guid.NewGuid().ToString("N");
        using var metrics = new MetricRecorder(name);
        var factory = ConnectionFactory.FromUrl("postgresql://app@localhost,127.0.0.1:5433/orders", new ConnectionFactoryOptions { Name = name });
        ConnectionFactoryCore.Of(factory)!.Hosts[1].TryMarkOffline();

        metrics.Observe();
        factory.Dispose();
        metrics.Observe();

        metrics.Of("pgsecureconnect.servers.offline").Select(m => (m.Tags["server.address"], m.Value)).Should().Equal(("localhost", 0.0), ("127.0.0.1", 1.0));
    }

    private sealed class OtherFactory : IConnectionFactory
    {
        public ConnectionSettings Settings => throw new NotSupportedException();

        public NpgsqlDataSource DataSource => throw new NotSupportedException();

        public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public NpgsqlConnection OpenConnection() => throw new NotSupportedException();

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
