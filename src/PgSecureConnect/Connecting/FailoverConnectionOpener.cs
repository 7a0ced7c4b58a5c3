using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Opens connections across the servers and decides every retry: which server to try next, whether an error is worth
/// another attempt (<see cref="TransientFailureClassifier"/>), how long to wait (<see cref="Backoff"/>), and when to
/// give up (attempts or the overall deadline). The first attempt is a plain
/// <see cref="NpgsqlDataSource.OpenConnectionAsync"/> on the preferred server plus a check of parameters the server
/// already reported, so a healthy open costs nothing extra.
/// </summary>
internal sealed class FailoverConnectionOpener
{
    private readonly HostState[] _hosts;
    private readonly TargetSessionAttributes _target;
    private readonly bool _loadBalance;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _overallTimeout;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeProvider _time;
    private readonly HostHealthMonitor _health;
    private readonly ILogger _logger;
    private readonly Func<double> _random;

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
        _target = settings.TargetSessionAttributes ?? TargetSessionAttributes.Any;
        _loadBalance = settings.LoadBalanceHosts == true && hosts.Length > 1;
        _retry = retry;
        _overallTimeout = settings.PoolTimeout ?? retry.OverallTimeout;
        _connectTimeout = settings.ConnectTimeout ?? retry.ConnectTimeout;
        _time = time;
        _health = health;
        _logger = logger;
        _random = random ?? Random.Shared.NextDouble;
        _health.Probe = ProbeAsync;
    }

    /// <summary>Where the credentials come from: refreshable ones are re-read and tried again after a refused authentication.</summary>
    public Credentials.CredentialStore? Credentials { get; init; }

    /// <summary>The factory's name in telemetry (<see cref="TelemetryTags.FactoryNameOf"/>).</summary>
    public string FactoryName { get; init; } = string.Empty;

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // The fast path must cost what Npgsql's own open costs: no clock read, no allocation, no exception handler (an
        // async method like NpgsqlDataSource.OpenConnectionAsync reports every failure through its task). A pooled open
        // completes synchronously and, with no target_session_attrs, Npgsql's ValueTask is handed back untouched.
        var host = _hosts.Length == 1 ? _hosts[0] : PreferredHost();
        var pending = host.DataSource.OpenConnectionAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return CompleteFirstAttemptAsync(host, pending, cancellationToken);
        }

        if (_target == TargetSessionAttributes.Any)
        {
            return pending;
        }

        var connection = pending.Result;
        return IsWanted(host, connection)
            ? new ValueTask<NpgsqlConnection>(connection)
            : OpenSlowAsync(host, new FirstAttempt(_time.GetTimestamp(), null, connection), async: true, cancellationToken);
    }

    /// <summary>The first attempt did not complete synchronously (a new physical connection): await it, and only on failure or a wrong server pay for the retry loop.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NpgsqlConnection> CompleteFirstAttemptAsync(HostState host, ValueTask<NpgsqlConnection> pending, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        NpgsqlConnection connection;
        try
        {
            connection = await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return await OpenSlowAsync(host, new FirstAttempt(started, e, null), async: true, cancellationToken).ConfigureAwait(false);
        }

        return _target == TargetSessionAttributes.Any || IsWanted(host, connection)
            ? connection
            : await OpenSlowAsync(host, new FirstAttempt(started, null, connection), async: true, cancellationToken).ConfigureAwait(false);
    }

    public NpgsqlConnection Open()
    {
        var host = PreferredHost();
        NpgsqlConnection connection;
        try
        {
            connection = host.DataSource.OpenConnection();
        }
        catch (Exception e)
        {
            return RunSynchronously(OpenSlowAsync(host, new FirstAttempt(_time.GetTimestamp(), e, null), async: false, CancellationToken.None));
        }

        return _target == TargetSessionAttributes.Any || IsWanted(host, connection)
            ? connection
            : RunSynchronously(OpenSlowAsync(host, new FirstAttempt(_time.GetTimestamp(), null, connection), async: false, CancellationToken.None));
    }

    /// <summary>With <c>async: false</c> every await inside completes synchronously, so the task is already done.</summary>
    private static NpgsqlConnection RunSynchronously(ValueTask<NpgsqlConnection> task)
        => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();

    /// <summary>The server the first attempt goes to: the first (or, load-balanced, a random) online server not known to be of the wrong kind.</summary>
    private HostState PreferredHost()
    {
        var hosts = _hosts;
        if (hosts.Length == 1)
        {
            return hosts[0];
        }

        var start = _loadBalance ? (int)(_random() * hosts.Length) % hosts.Length : 0;
        for (var i = 0; i < hosts.Length; i++)
        {
            var host = hosts[(start + i) % hosts.Length];
            if (!host.IsOffline && (host.Role == ServerRole.Unknown || SessionTargetCheck.Satisfies(host.Role, _target)))
            {
                return host;
            }
        }

        return hosts[start];
    }

    /// <summary>Fast-path check: the role the server reported satisfies the target outright.</summary>
    private bool IsWanted(HostState host, NpgsqlConnection connection)
    {
        if (SessionTargetCheck.ReportedRole(connection) is not { } role)
        {
            return false;
        }

        host.Role = role;
        return SessionTargetCheck.Satisfies(role, _target);
    }

    private async ValueTask<NpgsqlConnection> OpenSlowAsync(HostState first, FirstAttempt firstAttempt, bool async, CancellationToken cancellationToken)
    {
        var run = new OpenRun(this, firstAttempt.StartedAt, async, cancellationToken);
        try
        {
            return await run.ExecuteAsync(first, firstAttempt).ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>A background check of an offline server: open a connection with the connect timeout and close it.</summary>
    private async Task ProbeAsync(HostState host, CancellationToken cancellationToken)
    {
        using var timeout = CreateTimeoutSource(_connectTimeout, cancellationToken);
        var connection = await host.DataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            host.Role = SessionTargetCheck.ReportedRole(connection) ?? host.Role;
        }
    }

    private static CancellationTokenSource CreateTimeoutSource(TimeSpan timeout, CancellationToken linked)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(timeout);
        }

        return source;
    }

    /// <summary>An attempt is not started with less time than this left before the overall deadline.</summary>
    private static readonly TimeSpan MinimumAttemptTime = TimeSpan.FromMilliseconds(50);

    /// <summary>What became of the fast path's attempt: it threw, or it found the wrong kind of server.</summary>
    private readonly record struct FirstAttempt(long StartedAt, Exception? Failure, NpgsqlConnection? Connection);

    /// <summary>The state of one open that needs more than the fast path.</summary>
    private sealed class OpenRun : IDisposable
    {
        private readonly FailoverConnectionOpener _owner;
        private readonly bool _async;
        private readonly CancellationToken _callerToken;
        private readonly long _started;
        private readonly CancellationTokenSource? _deadline;
        private readonly CancellationTokenSource _overall;
        private readonly List<ConnectionAttempt> _failures = [];
        private NpgsqlConnection? _fallback;
        private HostState? _fallbackHost;
        private readonly Activity? _activity;
        private readonly bool _ownsActivity;

        public OpenRun(FailoverConnectionOpener owner, long started, bool async, CancellationToken callerToken)
        {
            _owner = owner;
            _async = async;
            _callerToken = callerToken;
            _started = started;
            if (owner._overallTimeout != Timeout.InfiniteTimeSpan)
            {
                var remaining = owner._overallTimeout - Elapsed;
                _deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, owner._time);
                _overall = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token);
            }
            else
            {
                _overall = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            }

            // A span for every open that needs more than one attempt, begun when the first attempt began.
            _activity = OpenInstrumentation.CurrentOpen();
            if (_activity is null && PgSecureConnectDiagnostics.Source.HasListeners())
            {
                _activity = OpenInstrumentation.StartOpen(owner.FactoryName, owner._time.GetUtcNow() - Elapsed);
                _ownsActivity = _activity is not null;
            }
        }

        private TimeSpan Elapsed => _owner._time.GetElapsedTime(_started);

        private bool DeadlinePassed => _deadline?.IsCancellationRequested == true
            || (_owner._overallTimeout != Timeout.InfiniteTimeSpan && Elapsed >= _owner._overallTimeout);

        public async ValueTask<NpgsqlConnection> ExecuteAsync(HostState first, FirstAttempt firstAttempt)
        {
            var retry = _owner._retry;

            // Record the fast path's attempt: it failed, or it found the wrong kind of server.
            {
                var started = TimeSpan.Zero;
                var connection = firstAttempt.Connection;
                var failure = firstAttempt.Failure;

                var result = failure is not null
                    ? Fail(first, 1, started, failure)
                    : await AcceptAsync(first, 1, started, connection!).ConfigureAwait(false);
                if (result is { } done)
                {
                    return done;
                }
            }

            string reason;
            for (var attempt = 1; ; attempt++)
            {
                foreach (var host in Candidates(attempt == 1 ? first : null))
                {
                    if (DeadlinePassed)
                    {
                        return GiveUp(OverallTimeoutReason());
                    }

                    if (await TryHostAsync(host, attempt).ConfigureAwait(false) is { } connection)
                    {
                        return connection;
                    }
                }

                if (_fallback is not null)
                {
                    return TakeFallback();
                }

                if (attempt >= retry.MaxAttempts && !InCredentialGrace)
                {
                    reason = $"all {retry.MaxAttempts} attempt(s) allowed by the retry policy were used";
                    break;
                }

                var delay = Backoff.DelayBefore(attempt + 1, retry.BaseDelay, retry.MaxDelay, _owner._random());
                if (_owner._overallTimeout != Timeout.InfiniteTimeSpan)
                {
                    var remaining = _owner._overallTimeout - Elapsed;
                    if (remaining <= TimeSpan.Zero)
                    {
                        reason = OverallTimeoutReason();
                        break;
                    }

                    delay = delay < remaining ? delay : remaining;
                }

                if (InCredentialGrace && delay > CredentialRetryDelay)
                {
                    // A rotation completes within moments: look again soon rather than after the full backoff.
                    delay = CredentialRetryDelay;
                }

                Log.RetryScheduled(_owner._logger, (long)delay.TotalMilliseconds, attempt + 1);
                try
                {
                    if (delay > TimeSpan.Zero)
                    {
                        var wait = Task.Delay(delay, _owner._time, _overall.Token);
                        if (_async)
                        {
                            await wait.ConfigureAwait(false);
                        }
                        else
                        {
                            wait.GetAwaiter().GetResult();
                        }
                    }
                }
                catch (OperationCanceledException) when (!_callerToken.IsCancellationRequested)
                {
                    reason = OverallTimeoutReason();
                    break;
                }
            }

            return GiveUp(reason);
        }

        public void Dispose()
        {
            _overall.Dispose();
            _deadline?.Dispose();
            _fallback?.Dispose();
            if (_ownsActivity)
            {
                _activity!.Dispose();
            }
        }

        /// <summary>
        /// Servers for one pass: online servers first (load-balanced: shuffled), those last seen of the wrong kind
        /// after them, unreachable ones last, since they may be back and nothing else is left.
        /// </summary>
        private List<HostState> Candidates(HostState? alreadyTried)
        {
            var owner = _owner;
            var ordered = owner._hosts.Where(h => h != alreadyTried).ToList();
            if (owner._loadBalance)
            {
                for (var i = ordered.Count - 1; i > 0; i--)
                {
                    var j = (int)(owner._random() * (i + 1)) % (i + 1);
                    (ordered[i], ordered[j]) = (ordered[j], ordered[i]);
                }
            }

            return ordered
                .OrderBy(h => h.IsOffline ? 2 : h.Role == ServerRole.Unknown || SessionTargetCheck.Satisfies(h.Role, owner._target) ? 0 : 1)
                .ToList();
        }

        private async ValueTask<NpgsqlConnection?> TryHostAsync(HostState host, int attempt)
        {
            if (_credentialRefusedAt is not null && _owner.Credentials is { } credentials)
            {
                try
                {
                    await credentials.RefreshAsync(host.Server, _async, _overall.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is Credentials.CredentialProviderException)
                {
                    return Fail(host, attempt, Elapsed, e);
                }
            }

            var started = Elapsed;
            var perHost = _owner._connectTimeout;
            if (_owner._overallTimeout != Timeout.InfiniteTimeSpan)
            {
                var remaining = _owner._overallTimeout - started;
                if (remaining < MinimumAttemptTime)
                {
                    return null;
                }

                perHost = perHost == Timeout.InfiniteTimeSpan || remaining < perHost ? remaining : perHost;
            }

            using var timeout = CreateTimeoutSource(perHost, _overall.Token);
            NpgsqlConnection connection;
            try
            {
                connection = _async
                    ? await BoundedOpen.WaitAsync(host.DataSource.OpenConnectionAsync(timeout.Token), timeout.Token).ConfigureAwait(false)
                    : host.DataSource.OpenConnection();
            }
            catch (OperationCanceledException) when (_callerToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                if (e is OperationCanceledException && DeadlinePassed)
                {
                    // Cut short by the overall deadline: not the server's fault, so it only counts when nothing else failed.
                    if (_failures.Count == 0)
                    {
                        Record(host, attempt, started, new FailureClassification(ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "the overall timeout ran out during this attempt"), e);
                    }

                    return null;
                }

                return Fail(host, attempt, started, e is OperationCanceledException
                    ? new TimeoutException($"no answer within the connect timeout of {perHost.TotalSeconds:F1} s", e)
                    : e);
            }

            return await AcceptAsync(host, attempt, started, connection).ConfigureAwait(false);
        }

        /// <summary>Checks the kind of server; returns the connection when it is wanted, else records why not.</summary>
        private async ValueTask<NpgsqlConnection?> AcceptAsync(HostState host, int attempt, TimeSpan started, NpgsqlConnection connection)
        {
            var owner = _owner;
            owner._health.ReportReachable(host);
            var target = owner._target;
            if (target == TargetSessionAttributes.Any)
            {
                return Succeeded(host, connection);
            }

            ServerRole role;
            try
            {
                role = SessionTargetCheck.ReportedRole(connection) ?? await SessionTargetCheck.QueryRoleAsync(connection, _async, _overall.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_callerToken.IsCancellationRequested)
            {
                await DisposeAsync(connection).ConfigureAwait(false);
                return Fail(host, attempt, started, e);
            }

            var previous = host.Role;
            host.Role = role;
            if (SessionTargetCheck.Satisfies(role, target))
            {
                return Succeeded(host, connection);
            }

            // A pooled connection reports what the server was when it was opened: after a promotion or demotion it is
            // stale. Clear this server's pool so the next connection to it starts fresh and reports the truth.
            // NpgsqlConnection.ClearPool looks pools up by connection string and does not reach data-source pools.
            host.DataSource.Clear();
            if (owner._logger.IsEnabled(LogLevel.Information))
            {
                var targetName = Parsing.UrlWriter.TargetName(target);
                Log.PoolCleared(owner._logger, host.Server.Host, host.Server.Port, $"it reported being a {SessionTargetCheck.Describe(role)} (target_session_attrs={targetName})");
                if (previous != role)
                {
                    Log.WrongServerRole(owner._logger, host.Server.Host, host.Server.Port, SessionTargetCheck.Describe(role), targetName);
                }
            }

            if (SessionTargetCheck.HasFallback(target) && _fallback is null)
            {
                _fallback = connection;
                _fallbackHost = host;
            }
            else
            {
                await DisposeAsync(connection).ConfigureAwait(false);
            }

            Record(host, attempt, started, new FailureClassification(ConnectionFailureKind.WrongServerRole, ConnectionPhase.SessionCheck,
                $"the server is a {SessionTargetCheck.Describe(role)}, not what target_session_attrs={Parsing.UrlWriter.TargetName(target)} asks for"), null);
            return null;
        }

        private NpgsqlConnection? Fail(HostState host, int attempt, TimeSpan started, Exception exception)
        {
            var classification = TransientFailureClassifier.Classify(exception);
            if (classification.Kind == ConnectionFailureKind.Certificate && TransientFailureClassifier.RejectedByValidationCallback(exception) && host.TakeCertificateRejection() is { } why)
            {
                classification = classification with { Description = why };
            }

            Record(host, attempt, started, classification, exception);
            if (classification.HostDown)
            {
                _owner._health.ReportUnreachable(host, classification.Kind);
            }

            if (classification.Kind == ConnectionFailureKind.Authentication && _owner.Credentials is { IsRefreshable: true } credentials && _owner._retry.CredentialRefreshGrace > TimeSpan.Zero)
            {
                // Refreshable credentials (secret files, a provider) may be mid-rotation, in either order: re-read them
                // and try again for a short grace period. Literal credentials fall through and stop at once.
                _credentialRefusedAt ??= Elapsed;
                if (InCredentialGrace)
                {
                    Log.CredentialRetry(_owner._logger, host.Server.Host, host.Server.Port, credentials.LastRefreshFact, (long)_owner._retry.CredentialRefreshGrace.TotalMilliseconds);
                    return null;
                }

                GiveUp($"the server kept refusing authentication for {_owner._retry.CredentialRefreshGrace.TotalSeconds:0.###} s of retries: {credentials.LastRefreshFact}, and the server still refused");
            }

            if (!classification.IsTransient)
            {
                // Authentication, a missing database, certificates: other servers would say the same, and trying them
                // could lock the account. Stop here.
                GiveUp($"{Describe(classification.Kind)} is not retried");
            }

            return null;
        }

        /// <summary>The longest wait between tries while refreshable credentials are refused.</summary>
        private static readonly TimeSpan CredentialRetryDelay = TimeSpan.FromMilliseconds(100);

        /// <summary>When refreshable credentials were first refused in this open, or <see langword="null"/>.</summary>
        private TimeSpan? _credentialRefusedAt;

        /// <summary>Refreshable credentials were refused, and the grace period to re-read them and try again has not run out.</summary>
        private bool InCredentialGrace => _credentialRefusedAt is { } refusedAt && Elapsed - refusedAt <= _owner._retry.CredentialRefreshGrace;

        private void Record(HostState host, int attempt, TimeSpan started, FailureClassification classification, Exception? exception)
        {
            var duration = Elapsed - started;
            _failures.Add(new ConnectionAttempt(host.Server, attempt, classification.Phase, classification.Kind, classification.Description, started, duration, exception));
            OpenInstrumentation.Attempt(_owner.FactoryName, host, attempt, classification.Kind, classification.Phase, duration, _activity);
            Log.AttemptFailed(_owner._logger, host.Server.Host, host.Server.Port, attempt, classification.Phase, classification.Kind, (long)duration.TotalMilliseconds, classification.Description);
        }

        private NpgsqlConnection Succeeded(HostState host, NpgsqlConnection connection)
        {
            if (_failures.Count > 0)
            {
                Log.ConnectedAfterFailures(_owner._logger, host.Server.Host, host.Server.Port, _failures.Count, (long)Elapsed.TotalMilliseconds);
                if (_failures[0].Server != host.Server)
                {
                    OpenInstrumentation.Failover(_owner.FactoryName, host);
                }
            }

            OpenInstrumentation.AttemptSucceeded(_activity, host);
            return connection;
        }

        private NpgsqlConnection TakeFallback()
        {
            var connection = _fallback!;
            _fallback = null;
            return Succeeded(_fallbackHost!, connection);
        }

        [DoesNotReturn]
        private NpgsqlConnection GiveUp(string reason)
        {
            Log.OpenFailed(_owner._logger, _failures.Count, (long)Elapsed.TotalMilliseconds, reason);
            var exception = new ConnectionFailedException(_failures.ToArray(), Elapsed, reason);
            OpenInstrumentation.Failed(_activity, exception);
            throw exception;
        }

        private string OverallTimeoutReason() => $"the overall timeout of {_owner._overallTimeout.TotalSeconds:0.###} s ran out";

        private static string Describe(ConnectionFailureKind kind) => kind switch
        {
            ConnectionFailureKind.Authentication => "an authentication failure",
            ConnectionFailureKind.AuthenticationMethodRefused => "a refused authentication method",
            ConnectionFailureKind.DatabaseNotFound => "a missing database",
            ConnectionFailureKind.PermissionDenied => "a missing privilege",
            ConnectionFailureKind.Certificate => "a certificate verification failure",
            ConnectionFailureKind.TlsUnavailable => "a server without the required TLS",
            ConnectionFailureKind.PoolExhausted => "an exhausted connection pool",
            _ => "this error",
        };

        private ValueTask DisposeAsync(NpgsqlConnection connection)
        {
            if (_async)
            {
                return connection.DisposeAsync();
            }

            connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
