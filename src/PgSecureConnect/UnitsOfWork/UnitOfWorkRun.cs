using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Logging;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>
/// One unit of work from its first failure on, and where each of its retries is decided: the failure is judged by
/// <see cref="UnitOfWorkFailureClassifier"/>; a transient one is run again on a fresh connection after the factory's
/// <see cref="Backoff"/>, while tries (<see cref="RetryPolicy.MaxAttempts"/>) and time (<see cref="RetryPolicy.OverallTimeout"/>)
/// are left; a <c>COMMIT</c> whose outcome is unknown is settled by <c>verifySucceeded</c> on a fresh connection, or
/// reported as <see cref="CommitOutcomeUnknownException"/>. Anything else is thrown as it is.
/// </summary>
/// <remarks>
/// The overall timeout bounds the waits and the opens of later tries; a try that runs is never cut short (its commands
/// have Npgsql's command timeout), since cancelling work mid-way would only add another unknown outcome.
/// </remarks>
internal sealed partial class UnitOfWorkRun<TResult>
{
    private const string SelfCommitted =
        "The unit's transaction was no longer usable at COMMIT: the work committed, rolled back or disposed it itself. ExecuteInTransactionAsync commits it after the work returns; " +
        "remove the work's Commit/Rollback, or use ExecuteAsync to manage the transaction yourself.";

    private readonly UnitOfWorkRunner _runner;
    private readonly UnitBody<TResult> _body;
    private readonly bool _async;
    private readonly CancellationToken _callerToken;
    private readonly long _started;
    private readonly List<UnitOfWorkTry> _tries = [];
    private int _workTries = 1;

    public UnitOfWorkRun(UnitOfWorkRunner runner, UnitBody<TResult> body, bool async, long started, CancellationToken callerToken)
    {
        _runner = runner;
        _body = body;
        _async = async;
        _started = started;
        _callerToken = callerToken;
    }

    private TimeSpan Elapsed => _runner.Time.GetElapsedTime(_started);

    private TimeSpan OverallTimeout => _runner.Retry.OverallTimeout;

    /// <summary>Whether a failure goes to the classifier; anything else (the work's own exceptions) is rethrown untouched.</summary>
    public static bool MayRetry(Exception exception) => UnitOfWorkFailureClassifier.IsDatabaseFailure(exception);

    /// <summary>Runs the unit: the first try, then retries as needed.</summary>
    public async ValueTask<TResult> ExecuteAsync()
    {
        var outcome = await TryAsync(1).ConfigureAwait(false);
        return outcome.Failure is null ? outcome.Result : await ContinueAsync(outcome.Failure).ConfigureAwait(false);
    }

    /// <summary>Records the fast path's failed first try (no transaction: open or work).</summary>
    public async ValueTask<FailedTry> FirstTryFailedAsync(NpgsqlConnection? connection, ServerEndpoint? server, Exception exception)
    {
        var broken = UnitOfWorkFailureClassifier.IsBroken(connection);
        await DisposeQuietlyAsync(null, connection).ConfigureAwait(false);
        return Failed(1, connection is null ? UnitOfWorkStep.Open : UnitOfWorkStep.Work, TimeSpan.Zero, server, exception, broken, null, default);
    }

    public async ValueTask<TResult> ContinueAsync(FailedTry failure)
    {
        for (;;)
        {
            if (await ResolveAsync(failure).ConfigureAwait(false))
            {
                return failure.Result!;
            }

            await WaitBeforeNextTryAsync(failure).ConfigureAwait(false);
            _workTries++;
            var outcome = await TryAsync(_workTries).ConfigureAwait(false);
            if (outcome.Failure is null)
            {
                Log.UnitSucceededAfterRetries(_runner.Logger, _workTries, (long)Elapsed.TotalMilliseconds);
                return outcome.Result;
            }

            failure = outcome.Failure;
        }
    }

    private async ValueTask<TryOutcome> TryAsync(int number)
    {
        var startedAfter = Elapsed;
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? transaction = null;
        var step = UnitOfWorkStep.Open;
        DateTimeOffset? commitSentAt = null;
        TResult result = default!;
        ServerEndpoint? server = null;
        var deadline = number > 1 ? DeadlineToken.Create(this) : null;
        try
        {
            connection = _async
                ? await _runner.OpenAsync(deadline?.Token ?? _callerToken).ConfigureAwait(false)
                : _runner.Open();
            server = ServerOf(connection);
            step = UnitOfWorkStep.Work;
            if (_body.InTransaction)
            {
                transaction = _async ? await connection.BeginTransactionAsync(_callerToken).ConfigureAwait(false) : connection.BeginTransaction();
            }

            result = await _body.RunAsync(connection, transaction, _callerToken).ConfigureAwait(false);
            if (transaction is not null)
            {
                step = UnitOfWorkStep.Commit;
                commitSentAt = _runner.Time.GetUtcNow();
                try
                {
                    if (_async)
                    {
                        // Not the caller's token: once COMMIT is sent its answer is awaited (bounded by the command timeout),
                        // so a cancellation cannot turn a commit the server may have applied into an OperationCanceledException.
                        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        transaction.Commit();
                    }
                }
                catch (InvalidOperationException e)
                {
                    // Npgsql's "This NpgsqlTransaction has completed": a commit of the work's own escapes the rules for an
                    // unknown outcome (its lost answer would be retried as a failure of the work), hence the contract.
                    throw new InvalidOperationException(SelfCommitted, e);
                }
            }
        }
        catch (Exception e)
        {
            var broken = UnitOfWorkFailureClassifier.IsBroken(connection);
            await DisposeQuietlyAsync(transaction, connection).ConfigureAwait(false);
            return new TryOutcome(default!, Failed(number, step, startedAfter, server, e, broken, commitSentAt, result));
        }
        finally
        {
            deadline?.Dispose();
        }

        await DisposeQuietlyAsync(transaction, connection).ConfigureAwait(false);
        return new TryOutcome(result, null);
    }

    /// <summary>Judges and records a failed try; rethrows what is not a database failure, and a cancellation by the caller.</summary>
    private FailedTry Failed(int number, UnitOfWorkStep step, TimeSpan startedAfter, ServerEndpoint? server, Exception exception, bool broken, DateTimeOffset? commitSentAt, TResult? result)
    {
        var verdict = Judge(step, exception, broken);
        Record(number, step, startedAfter, server, exception, verdict);
        return new FailedTry(number, step, server, exception, verdict, Elapsed - startedAfter, commitSentAt, result);
    }

    private UnitOfWorkFailure Judge(UnitOfWorkStep step, Exception exception, bool broken)
    {
        if (_callerToken.IsCancellationRequested)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        if (exception is OperationCanceledException && step == UnitOfWorkStep.Open)
        {
            // Not the caller's token: the unit's overall timeout ran out while this try opened.
            return new(IsTransient: true, ServerGone: false, LeavesCommitUnknown: false, "overall_timeout", null, $"the overall timeout of {OverallTimeout.TotalSeconds:0.###} s ran out while opening");
        }

        if (!UnitOfWorkFailureClassifier.IsDatabaseFailure(exception))
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return UnitOfWorkFailureClassifier.Classify(exception, broken);
    }

    private void Record(int number, UnitOfWorkStep step, TimeSpan startedAfter, ServerEndpoint? server, Exception exception, UnitOfWorkFailure verdict)
    {
        _tries.Add(new UnitOfWorkTry
        {
            Number = number,
            Step = step,
            Server = server,
            Error = verdict.Description,
            SqlState = verdict.SqlState,
            IsTransient = verdict.IsTransient,
            StartedAfter = startedAfter,
            Duration = Elapsed - startedAfter,
            Exception = exception,
        });

        if (verdict.ServerGone && server is { } gone)
        {
            _runner.ClearPool(gone, verdict.Description);
        }
    }

    private async ValueTask WaitBeforeNextTryAsync(FailedTry failure)
    {
        var retry = _runner.Retry;
        if (_workTries >= retry.MaxAttempts)
        {
            GiveUp($"all {retry.MaxAttempts} tries allowed by the retry policy (RetryPolicy.MaxAttempts) were used");
        }

        if (!TryClipToDeadline(Backoff.DelayBefore(_workTries + 1, retry.BaseDelay, retry.MaxDelay, Random.Shared.NextDouble()), out var delay))
        {
            GiveUp($"the overall timeout of {OverallTimeout.TotalSeconds:0.###} s (RetryPolicy.OverallTimeout) ran out");
        }

        Log.UnitRetrying(_runner.Logger, failure.Number, failure.Step, failure.Server?.ToString() ?? "no server", (long)failure.Duration.TotalMilliseconds,
            failure.Verdict.ErrorType, failure.Verdict.Description, (long)delay.TotalMilliseconds);
        UnitOfWorkInstrumentation.Retry(_runner.FactoryName, failure.Step, failure.Verdict.ErrorType);
        await DelayAsync(delay).ConfigureAwait(false);
    }

    /// <summary>The delay, cut to the time left; <see langword="false"/> when no time is left.</summary>
    private bool TryClipToDeadline(TimeSpan wanted, out TimeSpan delay)
    {
        delay = wanted;
        if (OverallTimeout == Timeout.InfiniteTimeSpan)
        {
            return true;
        }

        var remaining = OverallTimeout - Elapsed;
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        delay = delay < remaining ? delay : remaining;
        return true;
    }

    private async ValueTask DelayAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        var wait = Task.Delay(delay, _runner.Time, _callerToken);
        if (_async)
        {
            await wait.ConfigureAwait(false);
        }
        else
        {
            wait.GetAwaiter().GetResult();
        }
    }

    [DoesNotReturn]
    private void GiveUp(string reason)
    {
        Log.UnitFailed(_runner.Logger, _tries.Count, (long)Elapsed.TotalMilliseconds, reason);
        throw new UnitOfWorkFailedException(_tries.ToArray(), Elapsed, reason);
    }

    private async ValueTask DisposeQuietlyAsync(NpgsqlTransaction? transaction, NpgsqlConnection? connection)
    {
        // Disposing never decides the unit: a broken connection's dispose may throw, and the unit's fate is already known.
        try
        {
            if (transaction is not null)
            {
                if (_async)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    transaction.Dispose();
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or ObjectDisposedException)
        {
        }

        try
        {
            if (connection is not null)
            {
                if (_async)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    connection.Dispose();
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The server an open connection went to (read while it is open: a broken connection no longer says).</summary>
    private ServerEndpoint? ServerOf(NpgsqlConnection? connection)
        => connection?.Host is { } host ? _runner.ServerOf(host, connection.Port) : null;

    /// <summary>A failed try, as judged.</summary>
    internal sealed record FailedTry(int Number, UnitOfWorkStep Step, ServerEndpoint? Server, Exception Exception, UnitOfWorkFailure Verdict, TimeSpan Duration, DateTimeOffset? CommitSentAt, TResult? Result);

    private readonly record struct TryOutcome(TResult Result, FailedTry? Failure);

    /// <summary>The caller's token, also cancelled when the unit's overall timeout runs out (on the factory's <see cref="TimeProvider"/>).</summary>
    private sealed class DeadlineToken : IDisposable
    {
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenSource _linked;

        private DeadlineToken(TimeSpan remaining, TimeProvider time, CancellationToken callerToken)
        {
            _timer = new CancellationTokenSource(remaining, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timer.Token);
        }

        public CancellationToken Token => _linked.Token;

        public static DeadlineToken? Create(UnitOfWorkRun<TResult> run)
        {
            if (!run._async || run.OverallTimeout == Timeout.InfiniteTimeSpan)
            {
                return null;
            }

            var remaining = run.OverallTimeout - run.Elapsed;
            return new DeadlineToken(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, run._runner.Time, run._callerToken);
        }

        public void Dispose()
        {
            _linked.Dispose();
            _timer.Dispose();
        }
    }
}
