using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Diagnostics;
using PgSecureConnect.Logging;

namespace PgSecureConnect.Connecting;

/// <summary>
/// How a <see cref="RetryingOpen"/> judges one attempt, raced or not: an open that failed (recorded, classified, and
/// whether the open goes on), a connection to the wrong kind of server (<c>target_session_attrs</c>), and the winner.
/// </summary>
internal sealed partial class RetryingOpen
{
    /// <summary>An attempt's open failed (not by the caller's cancellation): judged for this attempt, whether it raced or not.</summary>
    private AttemptOutcome OpenFailed(HostState host, int attempt, TimeSpan started, TimeSpan limit, Exception e, bool raced = false, System.Net.IPAddress? address = null)
    {
        if (e is OperationCanceledException && _limits.DeadlinePassed)
        {
            // Cut short by the overall deadline: not the server's fault, so it only counts when nothing else failed.
            if (_log.Count == 0)
            {
                Record(host, attempt, started, new FailureClassification(ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "the overall timeout ran out during this attempt"), e, raced, address);
            }

            return AttemptOutcome.TryNext;
        }

        return Fail(host, attempt, started, e is OperationCanceledException
            ? new TimeoutException($"no answer within the connect timeout of {limit.TotalSeconds:F1} s", e)
            : e, raced, address);
    }

    /// <summary>Checks the kind of server: the connection when it is wanted, else the record of why not.</summary>
    private async ValueTask<AttemptOutcome> AcceptAsync(HostState host, int attempt, TimeSpan started, NpgsqlConnection connection, ServerRole? knownRole = null, bool raced = false, System.Net.IPAddress? address = null)
    {
        var owner = _owner;
        owner.Health.ReportReachable(host);
        host.ClearLostRace();
        var target = owner.Target;
        if (target == TargetSessionAttributes.Any)
        {
            return Succeeded(host, connection);
        }

        ServerRole role;
        try
        {
            // A pooled connection reports what the server was when it last answered: after a promotion it still says
            // "standby". A reported role that does not fit is therefore asked again, live, before it is believed; the
            // answer also refreshes what the connection reports (the server re-sends in_hot_standby with it). A racing
            // attempt on a server that reports nothing has already asked (knownRole).
            role = knownRole ?? (SessionTargetCheck.ReportedRole(connection) is { } reported && SessionTargetCheck.Satisfies(reported, target)
                ? reported
                : await SessionTargetCheck.QueryRoleAsync(connection, _async, _limits.Overall.Token).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            // Also when the caller cancelled during the role query: the connection would otherwise never go back to its pool.
            await DisposeAsync(connection).ConfigureAwait(false);
            if (_callerToken.IsCancellationRequested)
            {
                throw;
            }

            return Fail(host, attempt, started, e, raced, address);
        }

        var previous = host.Role;
        host.Role = role;
        if (SessionTargetCheck.Satisfies(role, target))
        {
            return Succeeded(host, connection);
        }

        // The role was asked live, so this server really is the other kind now. Its pool is kept: those connections
        // are sound, and when a standby is promoted they are what the next opens reuse (each re-asks as above), rather
        // than every writer paying for a new TLS handshake and authentication at the moment of failover.
        if (previous != role && owner.Logger.IsEnabled(LogLevel.Information))
        {
            Log.WrongServerRole(owner.Logger, host.Server.Host, host.Server.Port, SessionTargetCheck.Describe(role), Internal.LibpqNames.Name(target));
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
            $"the server is a {SessionTargetCheck.Describe(role)}, not what target_session_attrs={Internal.LibpqNames.Name(target)} asks for"), null, raced, address);
        return AttemptOutcome.TryNext;
    }

    /// <summary>
    /// Records a failed attempt and decides: try the next server, or stop the open (with the reason). An attempt on one
    /// <paramref name="address"/> of a host name that finds it down does not mark the server unreachable (its other
    /// addresses may answer), but opens stop going to that address.
    /// </summary>
    private AttemptOutcome Fail(HostState host, int attempt, TimeSpan started, Exception exception, bool raced = false, System.Net.IPAddress? address = null)
    {
        var classification = TransientFailureClassifier.Classify(exception);
        if (classification.Kind == ConnectionFailureKind.Certificate && TransientFailureClassifier.RejectedByValidationCallback(exception) && host.TakeCertificateRejection() is { } why)
        {
            classification = classification with { Description = why };
        }

        Record(host, attempt, started, classification, exception, raced, address);
        if (classification.HostDown)
        {
            if (host.PinnedAddress is { } pinned && (address is null || address.Equals(pinned)))
            {
                host.Addresses?.Unpin();
            }

            if (address is null)
            {
                _owner.Health.ReportUnreachable(host, classification.Kind);
            }
        }

        var grace = _owner.Retry.CredentialRefreshGrace;
        if (classification.Kind == ConnectionFailureKind.Authentication && _owner.Credentials is { IsRefreshable: true } credentials && grace > TimeSpan.Zero)
        {
            // Refreshable credentials (secret files, a provider) may be mid-rotation, in either order: re-read them
            // and try again for a short grace period. Literal credentials fall through and stop at once.
            _credentialRefusedAt ??= _limits.Elapsed;
            if (InCredentialGrace)
            {
                Log.CredentialRetry(_owner.Logger, host.Server.Host, host.Server.Port, credentials.LastRefreshFact, (long)grace.TotalMilliseconds);
                return AttemptOutcome.TryNext;
            }

            return AttemptOutcome.Stop($"the server kept refusing authentication for {grace.TotalSeconds:0.###} s of retries: {credentials.LastRefreshFact}, and the server still refused");
        }

        // Authentication, a missing database, certificates: other servers would say the same, and trying them could
        // lock the account. Stop here.
        return classification.IsTransient ? AttemptOutcome.TryNext : AttemptOutcome.Stop(AttemptLog.NotRetriedReason(classification.Kind));
    }

    private void Record(HostState host, int attempt, TimeSpan started, FailureClassification classification, Exception? exception, bool raced = false, System.Net.IPAddress? address = null)
        => _log.Record(host, attempt, started, _limits.Elapsed - started, classification, exception, raced, address);

    private AttemptOutcome Succeeded(HostState host, NpgsqlConnection connection)
    {
        _log.Succeeded(host, _limits.Elapsed);
        return AttemptOutcome.Connected(connection);
    }

    private NpgsqlConnection TakeFallback()
    {
        var connection = _fallback!;
        _fallback = null;
        _log.Succeeded(_fallbackHost!, _limits.Elapsed);
        return connection;
    }

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
