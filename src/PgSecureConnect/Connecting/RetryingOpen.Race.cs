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
    /// One pass over <paramref name="candidates"/> as a race (RFC 8305): the next server, or the next address of a server's
    /// host name (<see cref="RaceAddresses"/>), starts when every attempt under way has gone
    /// <see cref="RetryPolicy.AttemptDelay"/> without completing, or at once when one fails. The first attempt to complete
    /// and pass the session check wins; the others are cancelled and their connections closed. An address that wins
    /// carries its server's opens for a while (<see cref="HostAddresses.Pin"/>).
    /// </summary>
    private async ValueTask<AttemptOutcome> RaceAsync(int attempt, List<HostState> candidates, RacingAttempt? inFlight)
    {
        var delay = _owner.Retry.AttemptDelay;
        var running = new List<RacingAttempt>(candidates.Count + 1);
        var addresses = new RaceAddresses(_owner.ResolveHost, _owner.LoadBalance ? _owner.Random : null, _limits.Overall.Token);
        if (inFlight is not null)
        {
            running.Add(inFlight);
            addresses.Started(inFlight);
        }

        var next = 0;
        HostState? winner = null;
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

                if (timer is null && MoreToStart() && !_limits.DeadlinePassed)
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
                        Log.AttemptRaced(_owner.Logger, waitingOn.Display, waitingOn.Host.Server.Port, (long)delay.TotalMilliseconds, attempt, started.Display, started.Host.Server.Port);
                    }

                    continue;
                }

                var racer = running.Find(r => r.Completion == completed)!;
                running.Remove(racer);
                var outcome = await JudgeAsync(racer).ConfigureAwait(false);
                if (outcome.Connection is not null)
                {
                    winner = racer.Host;
                    if (racer.Address is { } address && !address.Equals(racer.Host.PinnedAddress))
                    {
                        racer.Host.Addresses?.Pin(address, racer.DataSource);
                    }

                    if ((racer.Raced || running.Count > 0) && _owner.Logger.IsEnabled(LogLevel.Information))
                    {
                        Log.RaceWon(_owner.Logger, racer.Display, racer.Host.Server.Port, (long)_limits.Elapsed.TotalMilliseconds,
                            running.Count == 0 ? "no other server" : string.Join(", ", running.Select(r => $"{r.Display}:{r.Host.Server.Port}")));
                    }

                    return outcome;
                }

                if (outcome.StopReason is not null)
                {
                    return outcome;
                }

                if (racer.Address is null)
                {
                    addresses.NameFailed(racer.Host);
                }

                if (MoreToStart() && !_limits.DeadlinePassed)
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
            addresses.Abandon();
            foreach (var loser in running)
            {
                if (winner == loser.Host)
                {
                    // Another address of its own server won.
                    loser.SiblingWon = true;
                }
                else if (winner is not null)
                {
                    // It merely lost: not unreachable, only tried after the others for a while (HostOrder).
                    loser.Host.MarkLostRace(_owner.Time.GetTimestamp());
                }

                loser.Abandon();
            }
        }

        bool MoreToStart() => next < candidates.Count || addresses.MayHaveMore;

        // Starts the next address or candidate there is time for; an outcome only when refreshing credentials failed.
        async ValueTask<AttemptOutcome?> StartNextAsync(bool raced)
        {
            if (addresses.TakeNext() is var (sameHost, address))
            {
                // Another address of a server already under way: its credentials were refreshed when it started.
                if (_limits.NextAttemptLimit() is { } addressLimit)
                {
                    Add(RacingAttempt.Start(sameHost, address, sameHost.Addresses!.For(address), attempt, _limits.Elapsed, addressLimit, r => RunAttemptAsync(r, pending: null), _owner.Time, _limits.Overall.Token), raced);
                }

                return null;
            }

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

                Add(RacingAttempt.Start(host, host.PinnedAddress, host.DataSource, attempt, _limits.Elapsed, limit, r => RunAttemptAsync(r, pending: null), _owner.Time, _limits.Overall.Token), raced);
                return null;
            }

            return null;
        }

        void Add(RacingAttempt racer, bool raced)
        {
            if (raced)
            {
                racer.Raced = true;
                foreach (var other in running)
                {
                    other.Raced = true;
                }
            }

            running.Add(racer);
            addresses.Started(racer);
        }
    }

    /// <summary>One racing attempt: the open under its own token and, for <c>target_session_attrs</c> on servers that do not report their role, the query.</summary>
    private async Task<NpgsqlConnection> RunAttemptAsync(RacingAttempt racer, ValueTask<NpgsqlConnection>? pending)
    {
        var token = racer.Token;
        var open = pending ?? racer.DataSource.OpenConnectionAsync(token);
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
            return OpenFailed(racer.Host, racer.Attempt, racer.Started, racer.Limit, e, racer.Raced, racer.Address);
        }

        racer.Complete();
        return await AcceptAsync(racer.Host, racer.Attempt, racer.Started, connection, racer.QueriedRole, racer.Raced, racer.Address).ConfigureAwait(false);
    }
}
