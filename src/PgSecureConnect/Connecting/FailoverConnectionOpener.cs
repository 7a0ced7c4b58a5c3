using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Diagnostics;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Opens connections across the servers. The first attempt is the pooled fast path: a plain
/// <see cref="NpgsqlDataSource.OpenConnectionAsync"/> on the preferred server (<see cref="HostOrder"/>) plus a check of
/// parameters the server already reported, so a healthy open costs nothing extra. Only a failed first attempt, or one
/// that found the wrong kind of server, pays for a <see cref="RetryingOpen"/>, where every retry is decided. With racing
/// on (<see cref="Racing"/>), a first attempt that does not complete synchronously (a new physical connection) is handed
/// to a race instead of awaited alone.
/// </summary>
internal sealed class FailoverConnectionOpener
{
    /// <summary>
    /// The token source of this thread's next first attempt when racing is on. A pooled open never cancels it and
    /// leaves it here for the next one; only an open that goes asynchronous (a new physical connection) takes it along,
    /// so the fast path neither allocates nor links a token.
    /// </summary>
    [ThreadStatic]
    private static CancellationTokenSource? s_firstAttemptSource;

    private readonly HostState[] _hosts;

    public FailoverConnectionOpener(
        HostState[] hosts,
        ConnectionSettings settings,
        RetryPolicy retry,
        TimeProvider time,
        HostHealthMonitor health,
        ILogger logger,
        Func<double>? random = null)
    {
        _hosts = hosts;
        Target = settings.TargetSessionAttributes ?? TargetSessionAttributes.Any;
        Retry = retry;
        OverallTimeout = settings.PoolTimeout ?? retry.OverallTimeout;
        ConnectTimeout = settings.ConnectTimeout ?? retry.ConnectTimeout;
        Time = time;
        Health = health;
        Logger = logger;
        Random = random ?? System.Random.Shared.NextDouble;
        LoadBalance = settings.LoadBalanceHosts == true;
        Order = new HostOrder(hosts, Target, LoadBalance && hosts.Length > 1, Random, time, retry.HostRecheckInterval);
        Racing = retry.AttemptDelay != Timeout.InfiniteTimeSpan && (hosts.Length > 1 || hosts.Any(h => h.Addresses is not null));
    }

    /// <summary>
    /// Asynchronous opens race the servers, and the addresses of a server's host name (<see cref="RetryPolicy.AttemptDelay"/>):
    /// racing not turned off, and more than one server or a host name.
    /// </summary>
    public bool Racing { get; }

    public TargetSessionAttributes Target { get; }

    public RetryPolicy Retry { get; }

    /// <summary>The deadline of a whole open: <c>pool_timeout</c>, else <see cref="RetryPolicy.OverallTimeout"/>.</summary>
    public TimeSpan OverallTimeout { get; }

    /// <summary>The limit of one attempt: <c>connect_timeout</c>, else <see cref="RetryPolicy.ConnectTimeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; }

    public TimeProvider Time { get; }

    public HostHealthMonitor Health { get; }

    public ILogger Logger { get; }

    /// <summary>The source of randomness for load balancing and backoff jitter (fixed in tests).</summary>
    public Func<double> Random { get; }

    public HostOrder Order { get; }

    /// <summary><c>load_balance_hosts=random</c>: servers, and the addresses of a host name, are tried in random order.</summary>
    public bool LoadBalance { get; }

    /// <summary>Where the credentials come from: refreshable ones are re-read and tried again after a refused authentication.</summary>
    public Credentials.CredentialStore? Credentials { get; init; }

    /// <summary>The factory's name in telemetry (<see cref="TelemetryTags.FactoryNameOf"/>).</summary>
    public string FactoryName { get; init; } = string.Empty;

    /// <summary>Resolves a host name to the addresses a race tries (<see cref="HostAddresses"/>).</summary>
    public Func<string, CancellationToken, Task<System.Net.IPAddress[]>> ResolveHost { get; init; } = ResolveWithDns;

    /// <summary>The system resolver, as Npgsql asks it (so the first address is the one Npgsql tries first).</summary>
    public static Task<System.Net.IPAddress[]> ResolveWithDns(string host, CancellationToken cancellationToken)
        => System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // The fast path must cost what Npgsql's own open costs: no clock read, no allocation, no exception handler (an
        // async method like NpgsqlDataSource.OpenConnectionAsync reports every failure through its task). A pooled open
        // completes synchronously and, with no target_session_attrs, Npgsql's ValueTask is handed back untouched.
        var host = _hosts.Length == 1 ? _hosts[0] : Order.Preferred();
        ValueTask<NpgsqlConnection> pending;
        CancellationTokenSource? attemptSource = null;
        if (Racing)
        {
            // The first attempt may lose a race and must then be cancellable on its own; see s_firstAttemptSource.
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<NpgsqlConnection>(cancellationToken);
            }

            attemptSource = s_firstAttemptSource ??= new CancellationTokenSource();
            pending = host.DataSource.OpenConnectionAsync(attemptSource.Token);
        }
        else
        {
            pending = host.DataSource.OpenConnectionAsync(cancellationToken);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            if (attemptSource is not null)
            {
                s_firstAttemptSource = null;
            }

            return CompleteFirstAttemptAsync(host, pending, attemptSource, cancellationToken);
        }

        if (Target == TargetSessionAttributes.Any)
        {
            return pending;
        }

        var connection = pending.Result;
        return IsWanted(host, connection)
            ? new ValueTask<NpgsqlConnection>(connection)
            : OpenSlowAsync(host, new FirstAttempt(Time.GetTimestamp(), null, connection), async: true, cancellationToken);
    }

    /// <summary>The first attempt did not complete synchronously (a new physical connection): await it, and only on failure or a wrong server pay for the retry loop.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NpgsqlConnection> CompleteFirstAttemptAsync(HostState host, ValueTask<NpgsqlConnection> pending, CancellationTokenSource? attemptSource, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        if (attemptSource is not null)
        {
            if (!pending.IsCompleted)
            {
                // A new physical connection is under way: race it against the next servers.
                return await OpenSlowAsync(host, new FirstAttempt(started, null, null) { Pending = pending, PendingSource = attemptSource }, async: true, cancellationToken).ConfigureAwait(false);
            }

            attemptSource.Dispose();
        }

        NpgsqlConnection connection;
        try
        {
            connection = await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return await OpenSlowAsync(host, new FirstAttempt(started, e, null), async: true, cancellationToken).ConfigureAwait(false);
        }

        return Target == TargetSessionAttributes.Any || IsWanted(host, connection)
            ? connection
            : await OpenSlowAsync(host, new FirstAttempt(started, null, connection), async: true, cancellationToken).ConfigureAwait(false);
    }

    public NpgsqlConnection Open()
    {
        var host = Order.Preferred();
        NpgsqlConnection connection;
        try
        {
            connection = host.DataSource.OpenConnection();
        }
        catch (Exception e)
        {
            return RunSynchronously(OpenSlowAsync(host, new FirstAttempt(Time.GetTimestamp(), e, null), async: false, CancellationToken.None));
        }

        return Target == TargetSessionAttributes.Any || IsWanted(host, connection)
            ? connection
            : RunSynchronously(OpenSlowAsync(host, new FirstAttempt(Time.GetTimestamp(), null, connection), async: false, CancellationToken.None));
    }

    /// <summary>With <c>async: false</c> every await inside completes synchronously, so the task is already done.</summary>
    private static NpgsqlConnection RunSynchronously(ValueTask<NpgsqlConnection> task)
        => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();

    /// <summary>Fast-path check: the role the server reported satisfies the target outright.</summary>
    private bool IsWanted(HostState host, NpgsqlConnection connection)
    {
        if (SessionTargetCheck.ReportedRole(connection) is not { } role)
        {
            return false;
        }

        host.Role = role;
        return SessionTargetCheck.Satisfies(role, Target);
    }

    private async ValueTask<NpgsqlConnection> OpenSlowAsync(HostState first, FirstAttempt firstAttempt, bool async, CancellationToken cancellationToken)
    {
        var run = new RetryingOpen(this, firstAttempt.StartedAt, async, cancellationToken);
        try
        {
            return await run.ExecuteAsync(first, firstAttempt).ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
    }
}
