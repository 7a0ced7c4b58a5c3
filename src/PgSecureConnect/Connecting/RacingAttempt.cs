using System.Net;
using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>
/// One attempt of a race (<see cref="RetryPolicy.AttemptDelay"/>, RFC 8305): an open on one server, or on one address of
/// its host name (<see cref="HostAddresses"/>), under its own token, so the attempt can be cancelled when another answers
/// first. <see cref="RetryingOpen"/> runs the race
/// and judges each attempt that completes; the attempts still under way when it ends are <see cref="Abandon"/>ed.
/// </summary>
internal sealed class RacingAttempt
{
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenSource? _limit;
    private CancellationTokenRegistration _linkedToOverall;
    private CancellationTokenRegistration _linkedToLimit;

    private int _siblingWon;

    private RacingAttempt(HostState host, IPAddress? address, NpgsqlDataSource dataSource, int attempt, TimeSpan started, AttemptLimit limit, CancellationTokenSource cancel, CancellationTokenSource? limitSource, CancellationToken overall)
    {
        Host = host;
        Address = address;
        DataSource = dataSource;
        Attempt = attempt;
        Started = started;
        Limit = limit.Value;
        LimitIsConnectTimeout = limit.IsConnectTimeout;
        _cancel = cancel;
        _limit = limitSource;
        _linkedToOverall = overall.UnsafeRegister(static state => ((RacingAttempt)state!).Cancel(), this);
        if (limitSource is not null)
        {
            _linkedToLimit = limitSource.Token.UnsafeRegister(static state => ((RacingAttempt)state!).Cancel(), this);
        }
    }

    public HostState Host { get; }

    /// <summary>The address of the host name it connects to; <see langword="null"/> when it goes by name (Npgsql resolves it).</summary>
    public IPAddress? Address { get; }

    /// <summary>The pooled data source it opens on: the server's, or its address's.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>How it is shown in logs: the server, or the server and address.</summary>
    public string Display => HostAddresses.Describe(Host.Server, Address);

    /// <summary>
    /// Another address of the same server won the race: this attempt's end says nothing against the server, so a
    /// late timeout does not mark it unreachable.
    /// </summary>
    public bool SiblingWon
    {
        get => Volatile.Read(ref _siblingWon) == 1;
        set => Volatile.Write(ref _siblingWon, value ? 1 : 0);
    }

    /// <summary>Which pass over the server list, from 1.</summary>
    public int Attempt { get; }

    /// <summary>When it started, counted from the start of the open.</summary>
    public TimeSpan Started { get; }

    /// <summary>Its own limit: the connect timeout, cut to what was left of the overall one.</summary>
    public TimeSpan Limit { get; }

    /// <summary>
    /// <see cref="Limit"/> is the whole connect timeout. When it was cut to the overall deadline instead, running out of
    /// it is the deadline's doing, not evidence against the server.
    /// </summary>
    public bool LimitIsConnectTimeout { get; }

    /// <summary>It ran alongside another attempt of the same open.</summary>
    public bool Raced { get; set; }

    /// <summary>The role of the server, when the attempt had to ask for it (servers before PostgreSQL 14).</summary>
    public ServerRole? QueriedRole { get; set; }

    /// <summary>The open (and, for <c>target_session_attrs</c> on old servers, the role query); set once by its creator.</summary>
    public Task<NpgsqlConnection> Completion { get; private set; } = null!;

    public CancellationToken Token => _cancel.Token;

    /// <summary>An attempt that starts now on <paramref name="dataSource"/>, cancelled after its limit or with <paramref name="overall"/>.</summary>
    public static RacingAttempt Start(HostState host, IPAddress? address, NpgsqlDataSource dataSource, int attempt, TimeSpan started, AttemptLimit limit, Func<RacingAttempt, Task<NpgsqlConnection>> run, TimeProvider time, CancellationToken overall)
    {
        var racer = new RacingAttempt(host, address, dataSource, attempt, started, limit, new CancellationTokenSource(), LimitSource(limit, time), overall);
        racer.Completion = run(racer);
        return racer;
    }

    /// <summary>
    /// The fast path's first attempt, already under way with <paramref name="cancel"/>'s token (not linked to anything
    /// yet: linking it on the fast path would cost every pooled open).
    /// </summary>
    public static RacingAttempt Adopt(HostState host, AttemptLimit limit, CancellationTokenSource cancel, Func<RacingAttempt, Task<NpgsqlConnection>> run, TimeProvider time, CancellationToken overall)
    {
        var racer = new RacingAttempt(host, host.PinnedAddress, host.DataSource, 1, TimeSpan.Zero, limit, cancel, LimitSource(limit, time), overall);
        racer.Completion = run(racer);
        return racer;
    }

    /// <summary>The attempt's limit on the open's clock (<see cref="TimeProvider"/>), as the overall deadline is.</summary>
    private static CancellationTokenSource? LimitSource(AttemptLimit limit, TimeProvider time)
        => limit.Value == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(limit.Value, time);

    /// <summary>The attempt was judged: release its token source without cancelling anything.</summary>
    public void Complete()
    {
        Unlink();
        _cancel.Dispose();
    }

    /// <summary>
    /// The race ended without this attempt: cancel it and close whatever connection it completes with anyway. Npgsql
    /// honours the token while TCP connects and during the TLS handshake (the socket is closed at once); in between, and
    /// during authentication, it waits for the server's next answer or its own Timeout, then stops at the next step. A
    /// connection that did open fully is disposed, which returns it to its pool idle and healthy, and shows the server
    /// answers after all; a half-open one never reaches the pool (Npgsql breaks a connector whose open fails).
    /// </summary>
    public void Abandon()
    {
        Unlink();
        Cancel();
        _ = Completion.ContinueWith(
            static (task, state) =>
            {
                var racer = (RacingAttempt)state!;
                if (task.IsCompletedSuccessfully)
                {
                    task.Result.Dispose();
                    racer.Host.ClearLostRace();
                }
                else
                {
                    _ = task.Exception;
                }

                racer._cancel.Dispose();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Watches an open this attempt stopped waiting for. A connection that opens after all is closed (back to its pool)
    /// and shows the server answers. An open that ends without a connection once the attempt's own limit has run out
    /// is the server's own failure (Npgsql's timeout while the server stayed silent; Npgsql reports it as a
    /// cancellation, since the token was cancelled), so the server is marked unreachable as it would have been without
    /// the race; one that ends sooner was stopped by the cancellation and says nothing about the server, and neither does
    /// one whose limit was cut to the overall deadline (<see cref="LimitIsConnectTimeout"/>), as without a race. Nor
    /// does the timeout of one address of a host name, or of any attempt on a server one of whose addresses won.
    /// </summary>
    public void ObserveLate(Task<NpgsqlConnection> open, HostHealthMonitor health, TimeProvider time, long startedAt)
        => _ = open.ContinueWith(
            static (late, state) =>
            {
                var (racer, health, time, startedAt) = ((RacingAttempt, HostHealthMonitor, TimeProvider, long))state!;
                if (late.IsCompletedSuccessfully)
                {
                    late.Result.Dispose();
                    racer.Host.ClearLostRace();
                    return;
                }

                _ = late.Exception;
                if (racer.LimitIsConnectTimeout && !racer.SiblingWon && racer.Address is null && racer.Limit != Timeout.InfiniteTimeSpan && time.GetElapsedTime(startedAt) >= racer.Limit * 0.9)
                {
                    health.ReportUnreachable(racer.Host, ConnectionFailureKind.Timeout);
                }
            },
            (this, health, time, startedAt),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private void Unlink()
    {
        _linkedToOverall.Dispose();
        _linkedToLimit.Dispose();
        _limit?.Dispose();
    }

    private void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Judged and released already.
        }
        catch (AggregateException)
        {
            // A callback registered by Npgsql failed while stopping the open; the open reports its own outcome.
        }
    }
}
