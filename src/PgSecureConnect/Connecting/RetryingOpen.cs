using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// One open that needs more than the fast path: this is where a retry is decided. Each pass tries the servers in
/// <see cref="HostOrder"/>; a failed attempt is classified (<see cref="TransientFailureClassifier"/>) and either lets
/// the open go on or stops it; between passes it waits (<see cref="Backoff"/>) until the attempts or the overall
/// deadline (<see cref="AttemptTimeLimits"/>) run out; <see cref="AttemptLog"/> reports every attempt. Asynchronous
/// opens with racing on run each pass as a race (<see cref="RetryPolicy.AttemptDelay"/>, <see cref="RacingAttempt"/>),
/// the first pass joined by the fast path's attempt when that one is still making a new physical connection.
/// </summary>
internal sealed partial class RetryingOpen : IDisposable
{
    /// <summary>The longest wait between tries while refreshable credentials are refused.</summary>
    private static readonly TimeSpan CredentialRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly FailoverConnectionOpener _owner;
    private readonly bool _async;
    private readonly CancellationToken _callerToken;
    private readonly AttemptTimeLimits _limits;
    private readonly AttemptLog _log;
    private readonly System.Diagnostics.Activity? _activity;
    private readonly bool _ownsActivity;
    private NpgsqlConnection? _fallback;
    private HostState? _fallbackHost;

    /// <summary>When refreshable credentials were first refused in this open, or <see langword="null"/>.</summary>
    private TimeSpan? _credentialRefusedAt;

    public RetryingOpen(FailoverConnectionOpener owner, long started, bool async, CancellationToken callerToken)
    {
        _owner = owner;
        _async = async;
        _callerToken = callerToken;
        _limits = new AttemptTimeLimits(owner.Time, started, owner.OverallTimeout, owner.ConnectTimeout, callerToken);

        // A span for every open that needs more than one attempt, begun when the first attempt began.
        _activity = OpenInstrumentation.CurrentOpen();
        if (_activity is null && PgSecureConnectDiagnostics.Source.HasListeners())
        {
            _activity = OpenInstrumentation.StartOpen(owner.FactoryName, owner.Time.GetUtcNow() - _limits.Elapsed);
            _ownsActivity = _activity is not null;
        }

        _log = new AttemptLog(owner.FactoryName, owner.Logger, _activity);
    }

    /// <summary>Refreshable credentials were refused, and the grace period to re-read them and try again has not run out.</summary>
    private bool InCredentialGrace => _credentialRefusedAt is { } refusedAt && _limits.Elapsed - refusedAt <= _owner.Retry.CredentialRefreshGrace;

    /// <summary>Runs the open to a connection or a <see cref="ConnectionFailedException"/>, starting from the fast path's attempt.</summary>
    public async ValueTask<NpgsqlConnection> ExecuteAsync(HostState first, FirstAttempt firstAttempt)
    {
        var retry = _owner.Retry;
        var racing = _async && _owner.Racing;
        AttemptOutcome outcome;
        if (firstAttempt.Pending is { } pending)
        {
            // The first pass is a race that the fast path's attempt has already entered.
            var adopted = RacingAttempt.Adopt(first, _limits.NextAttemptLimit() ?? new AttemptLimit(TimeSpan.Zero, IsConnectTimeout: false), firstAttempt.PendingSource!, racer => RunAttemptAsync(racer, pending), _owner.Time, _limits.Overall.Token);
            outcome = await RaceAsync(1, _owner.Order.Candidates(first), adopted).ConfigureAwait(false);
        }
        else
        {
            outcome = firstAttempt.Failure is { } failure
                ? Fail(first, 1, TimeSpan.Zero, failure)
                : await AcceptAsync(first, 1, TimeSpan.Zero, firstAttempt.Connection!).ConfigureAwait(false);
        }

        if (outcome.Connection is { } done)
        {
            return done;
        }

        var stop = outcome.StopReason;
        var firstPassDone = firstAttempt.Pending is not null;
        for (var attempt = 1; stop is null; attempt++)
        {
            if (attempt > 1 || !firstPassDone)
            {
                var candidates = _owner.Order.Candidates(attempt == 1 ? first : null);
                if (racing)
                {
                    outcome = await RaceAsync(attempt, candidates, inFlight: null).ConfigureAwait(false);
                    if (outcome.Connection is { } connection)
                    {
                        return connection;
                    }

                    stop = outcome.StopReason;
                }
                else
                {
                    foreach (var host in candidates)
                    {
                        if (_limits.NoTimeForAnotherAttempt)
                        {
                            stop = _limits.DeadlineReason;
                            break;
                        }

                        outcome = await TryHostAsync(host, attempt).ConfigureAwait(false);
                        if (outcome.Connection is { } connection)
                        {
                            return connection;
                        }

                        if ((stop = outcome.StopReason) is not null)
                        {
                            break;
                        }
                    }
                }
            }

            if (_fallback is not null && (stop is null || _limits.NoTimeForAnotherAttempt))
            {
                // prefer-standby found only the other kind of server: that connection beats failing at the deadline.
                return TakeFallback();
            }

            if (stop is not null)
            {
                break;
            }

            if (attempt >= retry.MaxAttempts && !InCredentialGrace)
            {
                stop = $"all {retry.MaxAttempts} attempt(s) allowed by the retry policy were used";
                break;
            }

            stop = await WaitBeforeAsync(attempt + 1).ConfigureAwait(false);
        }

        throw _log.GiveUp(stop, _limits.Elapsed);
    }

    public void Dispose()
    {
        _limits.Dispose();
        _fallback?.Dispose();
        if (_ownsActivity)
        {
            _activity!.Dispose();
        }
    }

    /// <summary>Waits the backoff before the next pass; returns why the open stops instead, if it does.</summary>
    private async ValueTask<string?> WaitBeforeAsync(int nextAttempt)
    {
        var retry = _owner.Retry;
        var delay = Backoff.DelayBefore(nextAttempt, retry.BaseDelay, retry.MaxDelay, _owner.Random());
        if (_limits.Remaining is var remaining && remaining != Timeout.InfiniteTimeSpan)
        {
            if (_limits.NoTimeForAnotherAttempt)
            {
                return _limits.DeadlineReason;
            }

            delay = delay < remaining ? delay : remaining;
        }

        if (InCredentialGrace && delay > CredentialRetryDelay)
        {
            // A rotation completes within moments: look again soon rather than after the full backoff.
            delay = CredentialRetryDelay;
        }

        Log.RetryScheduled(_owner.Logger, (long)delay.TotalMilliseconds, nextAttempt);
        try
        {
            if (delay > TimeSpan.Zero)
            {
                var wait = Task.Delay(delay, _owner.Time, _limits.Overall.Token);
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
            return _limits.DeadlineReason;
        }

        return null;
    }

    /// <summary>
    /// After a refused authentication, re-reads refreshable credentials before the next attempt on <paramref name="host"/>;
    /// the attempt's outcome when that fails instead, <see langword="null"/> when the attempt may go ahead.
    /// </summary>
    private async ValueTask<AttemptOutcome?> RefreshCredentialsAsync(HostState host, int attempt)
    {
        if (_credentialRefusedAt is null || _owner.Credentials is not { } credentials)
        {
            return null;
        }

        try
        {
            await credentials.RefreshAsync(host.Server, _async, _limits.Overall.Token).ConfigureAwait(false);
            return null;
        }
        catch (Credentials.CredentialProviderException e)
        {
            return Fail(host, attempt, _limits.Elapsed, e);
        }
        catch (OperationCanceledException) when (!_callerToken.IsCancellationRequested)
        {
            // The overall deadline ran out while a slow provider was asked: the open ends with its attempt report, not a
            // bare cancellation the caller never asked for.
            return AttemptOutcome.Stop(_limits.DeadlineReason);
        }
    }

    private async ValueTask<AttemptOutcome> TryHostAsync(HostState host, int attempt)
    {
        if (await RefreshCredentialsAsync(host, attempt).ConfigureAwait(false) is { } refreshFailed)
        {
            return refreshFailed;
        }

        var started = _limits.Elapsed;
        if (_limits.NextAttemptLimit() is not { Value: var limit })
        {
            return AttemptOutcome.Stop(_limits.DeadlineReason);
        }

        using var timeout = _limits.StartAttemptTimeout(limit);
        var address = host.PinnedAddress;
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
            return OpenFailed(host, attempt, started, limit, e, address: address);
        }

        return await AcceptAsync(host, attempt, started, connection, address: address).ConfigureAwait(false);
    }

    /// <summary>What became of one attempt: a connection, nothing yet (try the next server), or the end of the open.</summary>
    private readonly record struct AttemptOutcome(NpgsqlConnection? Connection, string? StopReason)
    {
        public static AttemptOutcome TryNext => default;

        public static AttemptOutcome Connected(NpgsqlConnection connection) => new(connection, null);

        public static AttemptOutcome Stop(string reason) => new(null, reason);
    }
}

/// <summary>What became of the fast path's attempt: it threw, it found the wrong kind of server, or (racing) it is still under way.</summary>
internal readonly record struct FirstAttempt(long StartedAt, Exception? Failure, NpgsqlConnection? Connection)
{
    /// <summary>The open still under way, when the first attempt is handed to a race.</summary>
    public ValueTask<NpgsqlConnection>? Pending { get; init; }

    /// <summary>The token source <see cref="Pending"/> was started with, now owned by the race.</summary>
    public CancellationTokenSource? PendingSource { get; init; }
}
