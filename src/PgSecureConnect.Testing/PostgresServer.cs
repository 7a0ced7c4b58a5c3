using System.Globalization;
using System.Net;
using Npgsql;
using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>
/// A throwaway PostgreSQL server of a <see cref="PostgresTestBed"/>: its own data directory (copied from the template),
/// port, certificates and log. Offers the faults tests need: stop, crash, freeze, restart, promote, terminate sessions.
/// Disposing it shuts it down at once and deletes its directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable, IDisposable
{
    private const string AdminApplicationName = "pgsecure-testbed";

    private readonly PostgresTestBed _bed;
    private readonly PostgresServerOptions _options;
    private readonly ServerConfigurationFiles _configuration;
    private readonly Postmaster _postmaster;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly List<string> _synchronousStandbyNames = [];
    private int _disposed;

    internal PostgresServer(PostgresTestBed bed, string name, string directory, PostgresServerOptions options, int port)
    {
        _bed = bed;
        _options = options;
        Name = name;
        ServerDirectory = directory;
        Port = port;
        Host = options.EffectiveListenAddress;
        if (!IPAddress.TryParse(Host, out _))
        {
            throw new ArgumentException($"ListenAddress must be an IP address, not '{Host}'.", nameof(options));
        }

        _configuration = new ServerConfigurationFiles(bed, this);
        _postmaster = new Postmaster(bed, this);
    }

    /// <summary>A short name unique within the test bed (e.g. <c>s3</c>), used for its directory and in messages.</summary>
    public string Name { get; }

    /// <summary>The IP address the server listens on (its <see cref="PostgresServerOptions.ListenAddress"/>).</summary>
    public string Host { get; }

    /// <summary>The TCP port; the same across <see cref="StopAsync"/>/<see cref="CrashAsync"/> and <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>The database created for tests (<c>app</c>), owned by <see cref="Username"/>.</summary>
    public string Database { get; } = ClusterTemplate.DatabaseName;

    /// <summary>A superuser (with REPLICATION) whose password is stored as SCRAM-SHA-256; pg_hba.conf asks for scram-sha-256.</summary>
    public string Username { get; } = ClusterTemplate.UserName;

    /// <summary>The generated password of <see cref="Username"/> (letters and digits only, so it needs no escaping anywhere).</summary>
    public string Password => _bed.Template.Password;

    /// <summary>A user whose password is stored as MD5 and whose pg_hba.conf line says md5 (no SCRAM, so no channel binding).</summary>
    public string Md5Username { get; } = ClusterTemplate.Md5UserName;

    /// <summary>The generated password of <see cref="Md5Username"/>.</summary>
    public string Md5Password => _bed.Template.Md5Password;

    /// <summary><c>postgresql://user:password@host:port/database</c>, percent-encoded, without any sslmode.</summary>
    public string Url => BuildUrl(Host, Port, Username, Password, Database);

    /// <summary>
    /// An Npgsql connection string (keyword form) for administrative use by tests: TCP to <see cref="Host"/>:<see cref="Port"/>,
    /// <c>SSL Mode=Disable</c>, no pooling (so nothing idles on a server a test is about to break).
    /// On a <see cref="ServerTlsMode.HostSslOnly"/> server use <see cref="ExecuteScalarAsync{T}"/> (Unix socket) instead.
    /// </summary>
    public string ConnectionString => BuildConnectionString(Host, Port, Username, Password, Database);

    /// <summary>The data directory (owned by the server user).</summary>
    public string DataDirectory => Path.Combine(ServerDirectory, "data");

    /// <summary>The directory holding the server's Unix socket (<c>.s.PGSQL.PORT</c>): Npgsql's <c>Host</c> for a local connection.</summary>
    public string UnixSocketDirectory => ServerDirectory;

    /// <summary>The server's log file (stderr of the postmaster and all backends).</summary>
    public string LogFilePath => Path.Combine(ServerDirectory, "postgres.log");

    /// <summary>The postmaster's pid while the server runs; null when stopped or crashed.</summary>
    public int? ProcessId => _postmaster.ProcessId;

    /// <summary>Whether the postmaster is alive (a frozen server is running).</summary>
    public bool IsRunning => ProcessId is not null;

    /// <summary>Whether the postmaster and its processes are stopped by <see cref="Freeze"/>.</summary>
    public bool IsFrozen => _postmaster.IsFrozen;

    internal string ServerDirectory { get; }

    internal PostgresServerOptions Options => _options;

    /// <summary>Held around every call that starts or stops the postmaster (and around a rebuild of the data directory).</summary>
    internal SemaphoreSlim Lifecycle => _lifecycle;

    private string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = UnixSocketDirectory,
        Port = Port,
        Database = Database,
        Username = Username,
        Password = Password,
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 60,
        ApplicationName = AdminApplicationName,
    }.ConnectionString;

    /// <summary>Stops the server with <c>pg_ctl stop -m fast|immediate</c> and waits until it is gone (a frozen server is thawed first).</summary>
    /// <param name="mode">Fast (clean) or immediate (no checkpoint; crash recovery on the next start).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server is down.</returns>
    public async Task StopAsync(StopMode mode = StopMode.Fast, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _postmaster.StopAsync(mode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// SIGKILLs the postmaster and all its processes at once, like a machine losing power: clients see their connections reset,
    /// new connections are refused. Start it again with <see cref="StartAsync"/> (it runs crash recovery).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when every process of the server is gone.</returns>
    public async Task CrashAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _postmaster.CrashAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// SIGSTOPs the postmaster and all its processes: TCP connections still complete (the kernel's listen backlog accepts them),
    /// but nothing answers a byte, and open sessions hang. Undo with <see cref="Thaw"/>.
    /// </summary>
    public void Freeze()
    {
        ThrowIfDisposed();
        _postmaster.Freeze();
    }

    /// <summary>SIGCONTs the processes <see cref="Freeze"/> stopped; does nothing when not frozen.</summary>
    public void Thaw()
    {
        ThrowIfDisposed();
        _postmaster.Thaw();
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/> or <see cref="CrashAsync"/>, on the same port; does nothing while it runs.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsRunning)
            {
                await StartCoreAsync(allowPortChange: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Promotes a standby (<c>pg_ctl promote</c>) and returns once <c>pg_is_in_recovery()</c> is false.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server accepts writes.</returns>
    public async Task PromoteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _postmaster.PromoteAsync(cancellationToken).ConfigureAwait(false);
            await WaitUntilAsync(
                async ct => !await ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()", ct).ConfigureAwait(false),
                TimeSpan.FromSeconds(30),
                "pg_is_in_recovery() to become false after promotion",
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Terminates client sessions with <c>pg_terminate_backend</c> (their next command fails with 57P01),
    /// all of them or only those whose <c>application_name</c> matches. The test bed's own admin session is spared.
    /// </summary>
    /// <param name="applicationName">Only sessions with this application_name; null for all client sessions.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>How many sessions were terminated.</returns>
    public async Task<int> TerminateBackendsAsync(string? applicationName = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();

        // PostgreSQL 14+ can wait until each session is really gone.
        var terminate = _bed.Installation.Version.Major >= 14 ? "pg_terminate_backend(pid, 10000)" : "pg_terminate_backend(pid)";
        var sql = $"""
            WITH targets AS MATERIALIZED (
                SELECT pid FROM pg_stat_activity
                WHERE backend_type = 'client backend'
                  AND pid <> pg_backend_pid()
                  AND ($1::text IS NULL OR application_name = $1::text))
            SELECT count(*) FILTER (WHERE {terminate})::int FROM targets
            """;
        var connection = new NpgsqlConnection(AdminConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)applicationName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return Convert.ToInt32(result, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>
    /// Runs an administrative query as <see cref="Username"/> over the server's Unix socket (so it works whatever the TLS mode)
    /// on a fresh, unpooled connection, and returns the first column of the first row.
    /// </summary>
    /// <typeparam name="T">The expected type; numbers are converted (e.g. a bigint count to int).</typeparam>
    /// <param name="sql">The query.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The value, or default when there is no row or it is NULL.</returns>
    public async Task<T?> ExecuteScalarAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var connection = new NpgsqlConnection(AdminConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                if (value is null or DBNull)
                {
                    return default;
                }

                if (value is T typed)
                {
                    return typed;
                }

                var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
                return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Host}:{Port}, {DataDirectory})");

    /// <summary>Shuts the server down at once (immediate shutdown, SIGKILL if it lingers) and deletes its directory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _bed.Forget(this);
        _postmaster.ShutDownNow();
        LeftoverSweeper.TryDeleteDirectory(ServerDirectory);
        _lifecycle.Dispose();
    }

    /// <inheritdoc cref="Dispose" />
    /// <returns>A task that completes when the server is gone.</returns>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    /// <summary>An Npgsql connection string for administrative use: plaintext TCP, no pooling.</summary>
    internal static string BuildConnectionString(string host, int port, string user, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = host,
        Port = port,
        Database = database,
        Username = user,
        Password = password,
        SslMode = SslMode.Disable,
        Pooling = false,
        Timeout = 15,
    }.ConnectionString;

    internal static string BuildUrl(string host, int port, string user, string password, string database)
    {
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"postgresql://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@{hostPart}:{port}/{Uri.EscapeDataString(database)}");
    }

    /// <summary>Writes postgresql.conf, pg_hba.conf and the certificates into the data directory.</summary>
    internal Task WriteConfigurationAsync(CancellationToken cancellationToken) => _configuration.WriteAsync(cancellationToken);

    /// <summary>Appends lines to postgresql.auto.conf (later lines win over earlier ones).</summary>
    internal Task AppendAutoConfAsync(string text, CancellationToken cancellationToken) => _configuration.AppendAutoConfAsync(text, cancellationToken);

    /// <summary>Starts the postmaster with <c>pg_ctl start -w</c>; on a port clash picks another port when allowed and retries.</summary>
    internal async Task StartCoreAsync(bool allowPortChange, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await _postmaster.TryStartAsync(cancellationToken).ConfigureAwait(false) is not { } failure)
            {
                return;
            }

            if (allowPortChange && attempt < 5 && failure.AddressInUse)
            {
                Port = PortAllocator.Allocate();
                await WriteConfigurationAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            throw Failure(failure.Message);
        }
    }

    /// <summary>
    /// Before the data directory of a server that is not running is replaced (<see cref="PostgresTestBed.RebuildAsStandbyAsync"/>):
    /// removes what a crashed postmaster left (shared memory), and forgets the synchronous standbys set in the old directory.
    /// </summary>
    internal void ForgetStoppedPostmaster()
    {
        _postmaster.ShutDownNow();
        lock (_synchronousStandbyNames)
        {
            _synchronousStandbyNames.Clear();
        }
    }

    /// <summary>Adds a synchronous standby's name to <c>synchronous_standby_names</c> (ALTER SYSTEM + reload).</summary>
    internal async Task AddSynchronousStandbyAsync(string applicationName, CancellationToken cancellationToken)
    {
        string value;
        lock (_synchronousStandbyNames)
        {
            if (!_synchronousStandbyNames.Contains(applicationName, StringComparer.Ordinal))
            {
                _synchronousStandbyNames.Add(applicationName);
            }

            value = string.Create(
                CultureInfo.InvariantCulture,
                $"FIRST {_synchronousStandbyNames.Count} ({string.Join(", ", _synchronousStandbyNames.Select(n => "\"" + n + "\""))})");
        }

        await ExecuteScalarAsync<object>($"ALTER SYSTEM SET synchronous_standby_names = '{value.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken).ConfigureAwait(false);
        await ExecuteScalarAsync<bool>("SELECT pg_reload_conf()", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout throws with the log tail.</summary>
    internal async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (NpgsqlException exception)
            {
                lastError = exception;
            }

            if (stopwatch.Elapsed > timeout)
            {
                var detail = lastError is null ? string.Empty : $" (last error: {lastError.Message})";
                throw Failure(string.Create(CultureInfo.InvariantCulture, $"Timed out after {timeout.TotalSeconds:0} s waiting for {what}{detail}"));
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An exception for this server whose message ends with the server's log tail.</summary>
    internal PostgresTestBedException Failure(string message) =>
        new($"{message}. Server {this}.{LogFile.Describe(LogFilePath)}");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
}
