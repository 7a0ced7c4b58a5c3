using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// The racing pass of a <see cref="RetryingOpen"/> (RFC 8305, "Happy Eyeballs"): attempts on several servers under way at
/// once, each with its own limit, judged as they complete by the same rules as one attempt at a time.
/// </summary>
internal sealed partial class RetryingOpen
{
    /// <summary>
    /// One pass over <paramref name="candidates"/> as a race (RFC 8305): the next server starts when every attempt under
    /// way has gone <see cref="RetryPolicy.AttemptDelay"/> without completing, or at once when one fails. The first
    /// attempt to complete and pass the session check wins; the others are cancelled and their connections closed.
    /// </summary>
    private async ValueTask<AttemptOutcome> RaceAsync(int attempt, List<HostState> candidates, RacingAttempt? inFlight)
    {
        var delay = _owner.Retry.AttemptDelay;
        var running = new List<RacingAttempt>(candidates.Count + 1);
        if (inFlight is not null)
        {
            running.Add(inFlight);
        }

        var next = 0;
        var won = false;
        using var delays = CancellationTokenSource.CreateLinkedTokenSource(_limits.Overall.Token);
        Task? timer = null;
        try
        {
            while (true)
            {
                if (running.Count == 0)
                {
                    if (_limits.NoTimeForAnotherAttempt)
                    {
                        return AttemptOutcome.Stop(_limits.DeadlineReason);
                    }

                    if (await StartNextAsync(raced: false).ConfigureAwait(false) is { } failedToStart)
                    {
                        return failedToStart;
                    }

                    if (running.Count == 0)
                    {
                        return _limits.NoTimeForAnotherAttempt ? AttemptOutcome.Stop(_limits.DeadlineReason) : AttemptOutcome.TryNext;
                    }

                    continue;
                }

                if (timer is null && next < candidates.Count && !_limits.DeadlinePassed)
                {
                    timer = Task.Delay(delay, _owner.Time, delays.Token);
                }

                var completed = await Task.WhenAny(timer is null ? running.Select(r => r.Completion) : running.Select(r => (Task)r.Completion).Append(timer)).ConfigureAwait(false);
                if (completed == timer)
                {
                    timer = null;
                    if (_limits.DeadlinePassed)
                    {
                        continue;
                    }

                    var waitingOn = running[0];
                    var before = running.Count;
                    if (await StartNextAsync(raced: true).ConfigureAwait(false) is { } failedToStart)
                    {
                        return failedToStart;
                    }

                    if (_owner.Logger.IsEnabled(LogLevel.Information) && running.Count > before)
                    {
                        var started = running[^1];
                        Log.AttemptRaced(_owner.Logger, waitingOn.Host.Server.Host, waitingOn.Host.Server.Port, (long)delay.TotalMilliseconds, attempt, started.Host.Server.Host, started.Host.Server.Port);
                    }

                    continue;
                }

                var racer = running.Find(r => r.Completion == completed)!;
                running.Remove(racer);
                var outcome = await JudgeAsync(racer).ConfigureAwait(false);
                if (outcome.Connection is not null)
                {
                    won = true;
                    if ((racer.Raced || running.Count > 0) && _owner.Logger.IsEnabled(LogLevel.Information))
                    {
                        Log.RaceWon(_owner.Logger, racer.Host.Server.Host, racer.Host.Server.Port, (long)_limits.Elapsed.TotalMilliseconds,
                            running.Count == 0 ? "no other server" : string.Join(", ", running.Select(r => r.Host.Server)));
                    }

                    return outcome;
                }

                if (outcome.StopReason is not null)
                {
                    return outcome;
                }

                if (next < candidates.Count && !_limits.DeadlinePassed)
                {
                    // A failed attempt hands over at once rather than after the delay (RFC 8305, section 5).
                    timer = null;
                    if (await StartNextAsync(raced: running.Count > 0).ConfigureAwait(false) is { } failedToStart)
                    {
                        return failedToStart;
                    }
                }
            }
        }
        finally
        {
            delays.Cancel();
            foreach (var loser in running)
            {
                if (won)
                {
                    // It merely lost: not unreachable, only tried after the others for a while (HostOrder).
                    loser.Host.MarkLostRace(_owner.Time.GetTimestamp());
                }

                loser.Abandon();
            }
        }

        // Starts the next candidate there is time for; an outcome only when refreshing credentials failed.
        async ValueTask<AttemptOutcome?> StartNextAsync(bool raced)
        {
            while (next < candidates.Count)
            {
                var host = candidates[next++];
                if (await RefreshCredentialsAsync(host, attempt).ConfigureAwait(false) is { } refreshFailed)
                {
                    if (refreshFailed.StopReason is not null)
                    {
                        return refreshFailed;
                    }

                    continue;
                }

                if (_limits.NextAttemptLimit() is not { } limit)
                {
                    return null;
                }

                var racer = RacingAttempt.Start(host, attempt, _limits.Elapsed, limit, r => RunAttemptAsync(r, pending: null), _owner.Time, _limits.Overall.Token);
                if (raced)
                {
                    racer.Raced = true;
                    foreach (var other in running)
                    {
                        other.Raced = true;
                    }
                }

                running.Add(racer);
                return null;
            }

            return null;
        }
    }

    /// <summary>One racing attempt: the open under its own token and, for <c>target_session_attrs</c> on servers that do not report their role, the query.</summary>
    private async Task<NpgsqlConnection> RunAttemptAsync(RacingAttempt racer, ValueTask<NpgsqlConnection>? pending)
    {
        var token = racer.Token;
        var open = pending ?? racer.Host.DataSource.OpenConnectionAsync(token);
        NpgsqlConnection connection;
        if (open.IsCompleted)
        {
            connection = await open.ConfigureAwait(false);
        }
        else
        {
            // As BoundedOpen: Npgsql does not watch the token everywhere, so the wait is bounded here; what the open
            // still comes to is observed by RacingAttempt.ObserveLate.
            var task = open.AsTask();
            var startedAt = _owner.Time.GetTimestamp();
            try
            {
                connection = await task.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Also when the open completed just after the wait gave up: a connection it brought must go back to its pool.
                racer.ObserveLate(task, _owner.Health, _owner.Time, startedAt);
                throw;
            }
        }

        if (_owner.Target != TargetSessionAttributes.Any && SessionTargetCheck.ReportedRole(connection) is null)
        {
            try
            {
                racer.QueriedRole = await SessionTargetCheck.QueryRoleAsync(connection, async: true, token).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return connection;
    }

    /// <summary>An attempt of a race completed: the same decisions as <see cref="TryHostAsync"/> takes.</summary>
    private async ValueTask<AttemptOutcome> JudgeAsync(RacingAttempt racer)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await racer.Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_callerToken.IsCancellationRequested)
        {
            racer.Complete();
            throw new OperationCanceledException(_callerToken);
        }
        catch (Exception e)
        {
            racer.Complete();
            return OpenFailed(racer.Host, racer.Attempt, racer.Started, racer.Limit, e, racer.Raced);
        }

        racer.Complete();
        return await AcceptAsync(racer.Host, racer.Attempt, racer.Started, connection, racer.QueriedRole, racer.Raced).ConfigureAwait(false);
    }
}
