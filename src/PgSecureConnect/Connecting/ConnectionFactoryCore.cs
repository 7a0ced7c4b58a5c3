using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Internal;
using PgSecureConnect.Logging;
using PgSecureConnect.Parsing;
using PgSecureConnect.Security;

namespace PgSecureConnect.Connecting;

/// <summary>
/// What both public factories are made of: effective settings, one pooled data source per server, the opener that
/// routes and retries, and the health monitor. Building it does no network I/O.
/// </summary>
internal sealed class ConnectionFactoryCore : IAsyncDisposable, IDisposable
{
    private readonly HostState[] _hosts;
    private readonly FailoverConnectionOpener _opener;
    private readonly HostHealthMonitor _health;
    private readonly Lazy<NpgsqlMultiHostDataSource>? _multiHost;
    private readonly DataSourceConfigurator _configurator;
    private readonly Credentials.CredentialStore _credentials;
    private readonly List<NpgsqlDataSource> _retired = [];
    private readonly bool _drainOnCredentialChange;
    private readonly ILogger _logger;
    private readonly ObservedOpen _observed;
    private int _disposed;

    public ConnectionFactoryCore(ConnectionSettings parsed, ConnectionFactoryOptions? options)
    {
        options ??= new ConnectionFactoryOptions();
        ArgumentNullException.ThrowIfNull(options.Retry, "options.Retry");
        ArgumentNullException.ThrowIfNull(options.TimeProvider, "options.TimeProvider");

        Credentials.CredentialStore? credentials = null;
        Settings = EffectiveSettings.Create(parsed, options, credentialStatus: () => credentials?.Describe());
        var logger = options.LoggerFactory?.CreateLogger("PgSecureConnect") ?? NullLogger.Instance;
        _logger = logger;
        _credentials = credentials = new Credentials.CredentialStore(Settings, options, logger);
        _drainOnCredentialChange = options.DrainConnectionsOnCredentialChange;
        DataSourceConfigurator configurator;
        try
        {
            configurator = _configurator = new DataSourceConfigurator(Settings, options, _credentials);
        }
        catch
        {
            _credentials.Dispose();
            throw;
        }

        _hosts = new HostState[Settings.Servers.Count];
        try
        {
            for (var i = 0; i < _hosts.Length; i++)
            {
                _hosts[i] = CreateHost(configurator, Settings.Servers[i], options);
                _hosts[i].PoolName = TelemetryTags.DataSourceName(options.Name, [Settings.Servers[i]]);
            }
        }
        catch
        {
            foreach (var host in _hosts)
            {
                host?.DisposeDataSources();
            }

            configurator.Dispose();
            _credentials.Dispose();
            throw;
        }

        _credentials.Changed += OnCredentialsChanged;

        _health = new HostHealthMonitor(options.TimeProvider, options.Retry.HostRecheckInterval, HostProbe.WithTimeout(Settings.ConnectTimeout ?? options.Retry.ConnectTimeout), logger);
        _opener = new FailoverConnectionOpener(_hosts, Settings, options.Retry, options.TimeProvider, _health, logger)
        {
            Credentials = _credentials,
            FactoryName = TelemetryTags.FactoryNameOf(options.Name, Settings.Servers),
        };
        _observed = new ObservedOpen(_opener, _hosts, options.TraceEveryOpen, options.TimeProvider);
        Retry = options.Retry;
        TimeProvider = options.TimeProvider;
        FactoryRegistry.Add(_opener.FactoryName, _hosts, options.TimeProvider);
        if (_hosts.Length > 1)
        {
            _multiHost = new Lazy<NpgsqlMultiHostDataSource>(configurator.BuildMultiHost, LazyThreadSafetyMode.ExecutionAndPublication);
        }

        var sslMode = LibpqNames.Name(Settings.SslMode!.Value);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.FactoryCreated(logger, string.Join(", ", Settings.Servers), sslMode, Settings.GetSource(LibpqKeyword.SslMode)?.ToString() ?? "libpq default",
                Settings.TargetSessionAttributes is { } target ? LibpqNames.Name(target) : "any", Settings.Servers.Count);
        }

        foreach (var warning in Settings.Warnings)
        {
            Log.SettingsWarning(logger, warning);
        }

        if (options.SslPolicy == SslPolicy.AllowInsecure && Settings.HasRemoteServers && SslModeResolver.MayBePlaintext(Settings.SslMode.Value) && logger.IsEnabled(LogLevel.Warning))
        {
            Log.InsecureSslAllowed(logger, string.Join(", ", Settings.Servers.Where(s => !s.IsLocal)), sslMode);
        }
    }

    public ConnectionSettings Settings { get; }

    /// <summary>The core of one of this library's factories (for the hosting package, tests and benchmarks); <see langword="null"/> for any other <see cref="IConnectionFactory"/>.</summary>
    public static ConnectionFactoryCore? Of(IConnectionFactory factory) => (factory as PooledConnectionFactory)?.Core;

    public NpgsqlDataSource DataSource
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _multiHost?.Value ?? (NpgsqlDataSource)_hosts[0].NamedDataSource;
        }
    }

    /// <summary>How old the credentials in use are, when they can change (for the health check); else <see langword="null"/>.</summary>
    internal TimeSpan? CredentialAge => _credentials.Age;

    /// <summary>The per-server states, for tests and diagnostics.</summary>
    internal IReadOnlyList<HostState> Hosts => _hosts;

    /// <summary>The factory's retry policy (units of work retry by it too).</summary>
    internal RetryPolicy Retry { get; }

    /// <summary>The factory's clock.</summary>
    internal TimeProvider TimeProvider { get; }

    /// <summary>The factory's logger.</summary>
    internal ILogger Logger => _logger;

    /// <summary>The factory's name in telemetry.</summary>
    internal string FactoryName => _opener.FactoryName;

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return PgSecureConnectDiagnostics.IsOpenObserved ? _observed.OpenAsync(cancellationToken) : _opener.OpenAsync(cancellationToken);
    }

    public NpgsqlConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return PgSecureConnectDiagnostics.IsOpenObserved ? _observed.Open() : _opener.Open();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        FactoryRegistry.Remove(_hosts);
        _health.Dispose();
        foreach (var host in _hosts)
        {
            host.DisposeDataSources();
        }

        if (_multiHost is { IsValueCreated: true })
        {
            _multiHost.Value.Dispose();
        }

        _credentials.Dispose();
        _configurator.Dispose();
        DisposeRetired();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        FactoryRegistry.Remove(_hosts);
        _health.Dispose();
        foreach (var host in _hosts)
        {
            await host.DisposeDataSourcesAsync().ConfigureAwait(false);
        }

        if (_multiHost is { IsValueCreated: true })
        {
            await _multiHost.Value.DisposeAsync().ConfigureAwait(false);
        }

        _credentials.Dispose();
        _configurator.Dispose();
        DisposeRetired();
    }

    /// <summary>
    /// New credentials that name another user need new data sources (Npgsql fixes the user per data source). The old
    /// ones are cleared and kept until the factory is disposed, for code that captured them. With
    /// <see cref="ConnectionFactoryOptions.DrainConnectionsOnCredentialChange"/> every pool is cleared on any change.
    /// </summary>
    private void OnCredentialsChanged(ServerEndpoint? server, Credentials.CredentialSnapshot old, Credentials.CredentialSnapshot fresh)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var affected = _hosts.Where(h => server is null || h.Server == server).ToList();
        if (fresh.UserName is { } user && user != (old.UserName ?? Settings.Username))
        {
            lock (_retired)
            {
                foreach (var host in affected)
                {
                    foreach (var previous in host.Replace(_configurator.BuildSingleHost(host, host.Server, user), address => _configurator.BuildForAddress(host, address, user)))
                    {
                        previous.Clear();
                        _retired.Add(previous);
                    }
                }
            }

            Log.CredentialUserChanged(_logger, string.Join(", ", affected.Select(h => h.Server)), _drainOnCredentialChange ? "; the old pools are drained" : string.Empty);
        }
        else if (_drainOnCredentialChange)
        {
            foreach (var host in affected)
            {
                host.ClearPools();
            }
        }
    }

    private void DisposeRetired()
    {
        lock (_retired)
        {
            foreach (var dataSource in _retired)
            {
                dataSource.Dispose();
            }

            _retired.Clear();
        }
    }

    /// <summary>
    /// A server and its data source; with racing on, a server given by a host name can also race the name's addresses
    /// (<see cref="HostAddresses"/>).
    /// </summary>
    private static HostState CreateHost(DataSourceConfigurator configurator, ServerEndpoint server, ConnectionFactoryOptions options)
    {
        var host = new HostState(server, state => configurator.BuildSingleHost(state, server));
        if (options.Retry.AttemptDelay != Timeout.InfiniteTimeSpan && HostAddresses.AppliesTo(server))
        {
            host.Addresses = new HostAddresses(host, address => configurator.BuildForAddress(host, address), options.TimeProvider, options.Retry.HostRecheckInterval);
        }

        return host;
    }
}
