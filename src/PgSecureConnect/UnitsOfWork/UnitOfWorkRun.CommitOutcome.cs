using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Logging;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>
/// The part of a <see cref="UnitOfWorkRun{TResult}"/> that settles a failed try, above all a <c>COMMIT</c> whose
/// connection was lost: <c>verifySucceeded</c> on a fresh connection decides, or <see cref="CommitOutcomeUnknownException"/> says it could not be decided.
/// </summary>
internal sealed partial class UnitOfWorkRun<TResult>
{
    /// <summary>
    /// Settles a failed try: <see langword="true"/> when it turns out to have been applied (a verified commit), <see langword="false"/>
    /// when running it again is safe and may help; throws when it is not.
    /// </summary>
    private async ValueTask<bool> ResolveAsync(FailedTry failure)
    {
        if (failure.Step == UnitOfWorkStep.Commit && failure.Verdict.LeavesCommitUnknown)
        {
            var server = failure.Server!.Value;
            var sentAt = failure.CommitSentAt!.Value;
            if (!_body.CanVerify)
            {
                Log.CommitOutcomeUnknown(_runner.Logger, server.ToString(), failure.Number, sentAt, "no verifySucceeded was given, so it is reported, not retried");
                throw Unresolved(failure, null);
            }

            Log.CommitOutcomeUnknown(_runner.Logger, server.ToString(), failure.Number, sentAt, "running verifySucceeded on a fresh connection");
            var applied = await VerifyAsync(failure).ConfigureAwait(false);
            Log.CommitVerified(_runner.Logger, failure.Number, applied ? "applied: the unit is not run again" : "not applied: the unit is run again");
            UnitOfWorkInstrumentation.UnknownCommit(_runner.FactoryName, applied ? "applied" : "not_applied");
            return applied;
        }

        if (!failure.Verdict.IsTransient)
        {
            ExceptionDispatchInfo.Throw(failure.Exception);
        }

        return false;
    }

    /// <summary>Runs <c>verifySucceeded</c> on a fresh connection, trying again on transient failures while tries and time are left.</summary>
    private async ValueTask<bool> VerifyAsync(FailedTry failure)
    {
        var retry = _runner.Retry;
        for (var verifyTry = 1; ; verifyTry++)
        {
            if (verifyTry > 1)
            {
                if (verifyTry > retry.MaxAttempts)
                {
                    throw Unresolved(failure, $"verifySucceeded could not be run: all {retry.MaxAttempts} tries allowed by the retry policy failed.");
                }

                if (!TryClipToDeadline(Backoff.DelayBefore(verifyTry, retry.BaseDelay, retry.MaxDelay, Random.Shared.NextDouble()), out var delay))
                {
                    throw Unresolved(failure, $"verifySucceeded could not be run within the overall timeout of {OverallTimeout.TotalSeconds:0.###} s.");
                }

                await DelayAsync(delay).ConfigureAwait(false);
            }

            var startedAfter = Elapsed;
            NpgsqlConnection? connection = null;
            ServerEndpoint? server = null;

            // The first verification gets the open's own timeout even when the unit's has run out: an answer is worth that much.
            var deadline = verifyTry > 1 ? DeadlineToken.Create(this) : null;
            try
            {
                connection = _async ? await _runner.OpenAsync(deadline?.Token ?? _callerToken).ConfigureAwait(false) : _runner.Open();
                server = ServerOf(connection);
                if (!await IsPrimaryAsync(connection, deadline?.Token ?? _callerToken).ConfigureAwait(false))
                {
                    // A standby may not have replayed the commit yet (synchronous_commit=on waits for a standby's flush, not
                    // its replay; an asynchronous standby waits for nothing), so its "not there" could run the unit twice.
                    await DisposeQuietlyAsync(null, connection).ConfigureAwait(false);
                    var standby = new UnitOfWorkFailure(IsTransient: true, ServerGone: false, LeavesCommitUnknown: false, "standby", null,
                        "the server is a standby, which may not have replayed the commit yet: verifySucceeded runs on a primary only");
                    Record(failure.Number, UnitOfWorkStep.Verify, startedAfter, server, new NpgsqlException(standby.Description), standby);
                    Log.VerificationFailed(_runner.Logger, failure.Number, server?.ToString() ?? "no server", standby.ErrorType, standby.Description);
                    continue;
                }

                var applied = await _body.VerifyAsync(connection, _callerToken).ConfigureAwait(false);
                await DisposeQuietlyAsync(null, connection).ConfigureAwait(false);
                return applied;
            }
            catch (Exception e)
            {
                var broken = UnitOfWorkFailureClassifier.IsBroken(connection);
                await DisposeQuietlyAsync(null, connection).ConfigureAwait(false);
                var verdict = Judge(connection is null ? UnitOfWorkStep.Open : UnitOfWorkStep.Verify, e, broken);
                Record(failure.Number, UnitOfWorkStep.Verify, startedAfter, server, e, verdict);
                Log.VerificationFailed(_runner.Logger, failure.Number, server?.ToString() ?? "no server", verdict.ErrorType, verdict.Description);
                if (!verdict.IsTransient)
                {
                    throw Unresolved(failure, $"verifySucceeded failed: {verdict.Description}.");
                }
            }
            finally
            {
                deadline?.Dispose();
            }
        }
    }

    /// <summary>Whether the connection is to a primary: the role the server reported, asked again live when it says standby (a promotion since).</summary>
    private async ValueTask<bool> IsPrimaryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var role = SessionTargetCheck.ReportedRole(connection);
        if (role is not (ServerRole.Primary or ServerRole.ReadOnlyPrimary))
        {
            role = await SessionTargetCheck.QueryRoleAsync(connection, _async, cancellationToken).ConfigureAwait(false);
        }

        return role is ServerRole.Primary or ServerRole.ReadOnlyPrimary;
    }

    private CommitOutcomeUnknownException Unresolved(FailedTry failure, string? detail)
    {
        UnitOfWorkInstrumentation.UnknownCommit(_runner.FactoryName, "unresolved");
        return new CommitOutcomeUnknownException(failure.Server!.Value, failure.CommitSentAt!.Value, detail, failure.Exception);
    }
}
