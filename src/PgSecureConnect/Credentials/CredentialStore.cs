using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Logging;
using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Credentials;

/// <summary>Where a factory's credentials come from, and so whether they can change.</summary>
internal enum CredentialMode
{
    /// <summary>Given in the settings: fixed; an authentication failure is final.</summary>
    Literal,

    /// <summary>Read from <c>DB_PASSWORD_FILE</c>, <c>DB_USER_FILE</c> or <c>DATABASE_URL_FILE</c>: re-read when they change.</summary>
    SecretFiles,

    /// <summary>From <see cref="ConnectionFactoryOptions.CredentialProvider"/>: fetched on demand, on an interval and after a refusal.</summary>
    Provider,
}

/// <summary>
/// The credentials a factory's new physical connections use, kept current without touching the open path: secret
/// files are watched and re-read when their directory changes, a provider is asked on an interval, and either is asked
/// again after the server refuses authentication. A file that vanishes, becomes empty or unreadable mid-rotation keeps
/// the last good credentials (and a warning is logged). Values are never logged.
/// </summary>
internal sealed class CredentialStore : IDisposable
{
    /// <summary>A provider is not asked again for the same server within this time (16 refused connections ask once).</summary>
    private static readonly TimeSpan MinimumFetchInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConnectionSettings _settings;
    private readonly Func<ServerEndpoint, CancellationToken, ValueTask<DatabaseCredentials>>? _provider;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SettingSource? _userFile;
    private readonly SettingSource? _passwordFile;
    private readonly SettingSource? _urlFile;
    private readonly SecretFileWatcher? _watcher;
    private readonly ITimer? _timer;
    private readonly ITimer? _debounce;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _fileLock = new();
    private readonly TimeSpan _interval;
    private readonly ConcurrentDictionary<ServerEndpoint, CredentialSnapshot> _byServer = new();
    private CredentialSnapshot _shared;
    private int _refreshes;
    private string? _lastProblem;
    private int _disposed;
    private readonly string _factoryName;

    public CredentialStore(ConnectionSettings settings, ConnectionFactoryOptions options, ILogger logger)
    {
        _settings = settings;
        _provider = options.CredentialProvider;
        _interval = options.CredentialRefreshInterval;
        _factoryName = TelemetryTags.FactoryNameOf(options.Name, settings.Servers);
        _time = options.TimeProvider;
        _logger = logger;
        _shared = new CredentialSnapshot(settings.Username, settings.Password, _time.GetUtcNow());
        _userFile = settings.GetSource(LibpqKeyword.User) is { Kind: SettingSourceKind.SecretFile, Location: not null } user ? user : null;
        _passwordFile = settings.GetSource(LibpqKeyword.Password) is { Kind: SettingSourceKind.SecretFile, Location: not null } password ? password : null;
        _urlFile = settings.UrlFile is { Location: not null } url ? url : null;

        if (_provider is not null)
        {
            Mode = CredentialMode.Provider;
            _timer = _time.CreateTimer(static state => _ = ((CredentialStore)state!).RefreshAllFetchedAsync(), this, options.CredentialRefreshInterval, options.CredentialRefreshInterval);
        }
        else if (_userFile is not null || _passwordFile is not null || _urlFile is not null)
        {
            Mode = CredentialMode.SecretFiles;
            var files = new[] { _userFile, _passwordFile, _urlFile }.OfType<SettingSource>().Select(s => s.Location!);
            _watcher = new SecretFileWatcher(files, OnFileEvent);
            _debounce = _time.CreateTimer(static state => ((CredentialStore)state!).RefreshFilesNow("a secret file changed"), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public CredentialMode Mode { get; }

    /// <summary>Whether the credentials can change, so that a refused authentication is worth re-reading them and trying again.</summary>
    public bool IsRefreshable => Mode != CredentialMode.Literal;

    /// <summary>Raised after the credentials changed (with the server, for a provider; <see langword="null"/>: all servers), outside any lock.</summary>
    public event Action<ServerEndpoint?, CredentialSnapshot, CredentialSnapshot>? Changed;

    /// <summary>When the credentials were last read or fetched, and what happened, for a refused authentication's report.</summary>
    public string LastRefreshFact => Mode switch
    {
        CredentialMode.SecretFiles => $"the secret file{(new[] { _userFile, _passwordFile, _urlFile }.Count(f => f is not null) > 1 ? "s were" : " was")} re-read at {_shared.RefreshedAt:HH:mm:ss.fff'Z'}",
        CredentialMode.Provider => "the credential provider was asked again",
        _ => string.Empty,
    };

    /// <summary>The credentials for a new connection to <paramref name="server"/>; a provider is asked when none are held.</summary>
    public async ValueTask<CredentialSnapshot> GetAsync(ServerEndpoint server, bool async, CancellationToken cancellationToken)
    {
        if (Mode != CredentialMode.Provider)
        {
            return Volatile.Read(ref _shared);
        }

        if (_byServer.TryGetValue(server, out var held))
        {
            return held;
        }

        await RefreshAsync(server, async, cancellationToken).ConfigureAwait(false);
        return _byServer[server];
    }

    /// <summary>
    /// Reads or fetches the credentials again (after a refused authentication); returns whether they changed. A provider
    /// is asked at most once per server within a quarter second, however many connections were refused.
    /// </summary>
    public async ValueTask<bool> RefreshAsync(ServerEndpoint server, bool async, CancellationToken cancellationToken)
    {
        switch (Mode)
        {
            case CredentialMode.SecretFiles:
                return RefreshFilesNow("the server refused authentication");
            case CredentialMode.Provider:
                break;
            default:
                return false;
        }

        var before = _byServer.GetValueOrDefault(server);
        if (async)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _gate.Wait(cancellationToken);
        }

        CredentialSnapshot? old;
        CredentialSnapshot fetched;
        try
        {
            old = _byServer.GetValueOrDefault(server);
            if (old is not null && !ReferenceEquals(old, before))
            {
                return true;
            }

            if (old is not null && _time.GetUtcNow() - old.RefreshedAt < MinimumFetchInterval)
            {
                return false;
            }

            try
            {
                fetched = await FetchAsync(server, async, cancellationToken).ConfigureAwait(false);
            }
            catch (CredentialProviderException)
            {
                Count("failed");
                throw;
            }

            _byServer[server] = fetched;
            Interlocked.Increment(ref _refreshes);
        }
        finally
        {
            _gate.Release();
        }

        // The first fetch may name another user than the settings: that is a change for the data sources too.
        var changed = old is not null ? !fetched.SameAs(old) : fetched.UserName is not null && fetched.UserName != _settings.Username;
        if (changed)
        {
            Changed?.Invoke(server, old ?? new CredentialSnapshot(_settings.Username, _settings.Password, fetched.RefreshedAt), fetched);
        }

        Log.CredentialsRefreshed(_logger, "the credential provider", server.ToString(), changed);
        Count(changed ? "changed" : "unchanged");
        return changed || old is null;
    }

    /// <summary>How long ago the credentials in use were read or fetched (the oldest, with a provider), or <see langword="null"/> when they never change.</summary>
    public TimeSpan? Age => Mode switch
    {
        CredentialMode.SecretFiles => _time.GetUtcNow() - Volatile.Read(ref _shared).RefreshedAt,
        CredentialMode.Provider when !_byServer.IsEmpty => _time.GetUtcNow() - _byServer.Values.Min(s => s.RefreshedAt),
        _ => null,
    };

    private void Count(string outcome)
    {
        if (PgSecureConnectDiagnostics.CredentialRefreshes.Enabled)
        {
            PgSecureConnectDiagnostics.CredentialRefreshes.Add(1, new TagList
            {
                { PgSecureConnectDiagnostics.FactoryName, _factoryName },
                { PgSecureConnectDiagnostics.CredentialSource, Mode == CredentialMode.Provider ? "provider" : "files" },
                { PgSecureConnectDiagnostics.Outcome, outcome },
            });
        }
    }

    /// <summary>Where the credentials come from and when they were last refreshed; never their values.</summary>
    public string? Describe() => Mode switch
    {
        CredentialMode.SecretFiles => $"re-read when these files change: {string.Join(", ", new[] { _userFile, _passwordFile, _urlFile }.OfType<SettingSource>())}; last read {Volatile.Read(ref _shared).RefreshedAt:O}, {Volatile.Read(ref _refreshes)} change(s) seen",
        CredentialMode.Provider => $"from ConnectionFactoryOptions.CredentialProvider, refreshed every {_interval} and after a refused authentication; " +
            (_byServer.IsEmpty ? "not fetched yet" : $"last fetched {_byServer.Values.Max(s => s.RefreshedAt):O}, {Volatile.Read(ref _refreshes)} fetch(es)"),
        _ => null,
    };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watcher?.Dispose();
        _debounce?.Dispose();
        _timer?.Dispose();
    }

    private void OnFileEvent()
    {
        // Kubernetes swaps a symbolic link in several steps; read once they have settled.
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _debounce?.Change(TimeSpan.FromMilliseconds(25), Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private bool RefreshFilesNow(string why)
    {
        if (ReadFilesLocked(why) is not { } change)
        {
            return false;
        }

        Changed?.Invoke(null, change.Old, change.Fresh);
        return true;
    }

    private (CredentialSnapshot Old, CredentialSnapshot Fresh)? ReadFilesLocked(string why)
    {
        lock (_fileLock)
        {
            var old = Volatile.Read(ref _shared);
            var user = old.UserName;
            var password = old.Password;
            var problems = new List<string>();
            if (_urlFile is not null && ReadFile(_urlFile, problems) is { } url)
            {
                try
                {
                    var parsed = ConnectionSettings.FromUrl(url);
                    user = parsed.Username;
                    password = parsed.Password;
                }
                catch (ConnectionConfigurationException e)
                {
                    problems.Add($"{_urlFile} no longer holds a valid URL ({e.Problems.Count} problem(s), for example with {e.Key})");
                }
            }

            if (_userFile is not null && ReadFile(_userFile, problems) is { } newUser)
            {
                user = newUser;
            }

            if (_passwordFile is not null && ReadFile(_passwordFile, problems) is { } newPassword)
            {
                password = newPassword;
            }

            var problem = problems.Count == 0 ? null : string.Join("; ", problems);
            if (problem is not null && problem != _lastProblem)
            {
                Log.CredentialFileProblem(_logger, problem);
            }

            _lastProblem = problem;
            var fresh = new CredentialSnapshot(user, password, _time.GetUtcNow());
            Volatile.Write(ref _shared, fresh);
            Count(problem is not null ? "failed" : fresh.SameAs(old) ? "unchanged" : "changed");
            if (fresh.SameAs(old))
            {
                return null;
            }

            Interlocked.Increment(ref _refreshes);
            Log.CredentialsRefreshed(_logger, "the secret files", why, true);
            return (old, fresh);
        }
    }

    /// <summary>The file's value without its final newline, or <see langword="null"/> (with a problem) when it is missing, empty or unreadable.</summary>
    private static string? ReadFile(SettingSource file, List<string> problems)
    {
        try
        {
            var content = SecretFileReader.Read(file.Location!);
            content = content.EndsWith("\r\n", StringComparison.Ordinal) ? content[..^2] : content.EndsWith('\n') ? content[..^1] : content;
            if (content.Length == 0)
            {
                problems.Add($"{file} is empty; keeping the last credentials read");
                return null;
            }

            return content;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "is missing" : "cannot be read";
            problems.Add($"{file} {reason}; keeping the last credentials read");
            return null;
        }
    }

    private async ValueTask<CredentialSnapshot> FetchAsync(ServerEndpoint server, bool async, CancellationToken cancellationToken)
    {
        DatabaseCredentials credentials;
        try
        {
            var pending = _provider!(server, cancellationToken);
            credentials = async || pending.IsCompleted ? await pending.ConfigureAwait(false) : pending.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CredentialProviderException($"the credential provider failed for {server} ({e.GetType().Name}); see the inner exception", e);
        }

        if (credentials is null || string.IsNullOrEmpty(credentials.Password))
        {
            throw new CredentialProviderException($"the credential provider returned no password for {server}", null);
        }

        return new CredentialSnapshot(credentials.UserName, credentials.Password, _time.GetUtcNow());
    }

    private async Task RefreshAllFetchedAsync()
    {
        foreach (var server in _byServer.Keys)
        {
            try
            {
                var old = _byServer[server];
                var fetched = await FetchAsync(server, async: true, CancellationToken.None).ConfigureAwait(false);
                _byServer[server] = fetched;
                Interlocked.Increment(ref _refreshes);
                Count(fetched.SameAs(old) ? "unchanged" : "changed");
                if (!fetched.SameAs(old))
                {
                    Changed?.Invoke(server, old, fetched);
                }
            }
            catch (CredentialProviderException e)
            {
                // Keep the last good credentials; the next refusal asks again.
                Count("failed");
                Log.CredentialFileProblem(_logger, e.Message + "; keeping the last credentials");
            }
        }
    }
}

/// <summary>The credential provider failed or returned nothing usable.</summary>
internal sealed class CredentialProviderException(string message, Exception? inner) : Exception(message, inner);

/// <summary>The credentials changed to another user after this connection's data source was built: try again on the new one.</summary>
internal sealed class CredentialsChangedException() : Exception("the credentials changed to another user; trying again with them");
