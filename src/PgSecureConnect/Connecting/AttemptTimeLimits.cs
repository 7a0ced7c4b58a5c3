namespace PgSecureConnect.Connecting;

/// <summary>
/// The clocks of one open that needs retries: the overall deadline (<c>pool_timeout</c> or
/// <see cref="RetryPolicy.OverallTimeout"/>), counted from the first attempt, and each attempt's own limit (the connect
/// timeout, cut to what is left of the overall one).
/// </summary>
internal sealed class AttemptTimeLimits : IDisposable
{
    /// <summary>An attempt is not started with less time than this left before the overall deadline.</summary>
    private static readonly TimeSpan MinimumAttemptTime = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationTokenSource? _deadline;

    public AttemptTimeLimits(TimeProvider time, long started, TimeSpan overallTimeout, TimeSpan connectTimeout, CancellationToken callerToken)
    {
        _time = time;
        _started = started;
        OverallTimeout = overallTimeout;
        ConnectTimeout = connectTimeout;
        if (overallTimeout != Timeout.InfiniteTimeSpan)
        {
            var remaining = overallTimeout - Elapsed;
            _deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
            Overall = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token);
        }
        else
        {
            Overall = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        }
    }

    public TimeSpan OverallTimeout { get; }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>Cancelled by the caller or by the overall deadline.</summary>
    public CancellationTokenSource Overall { get; }

    /// <summary>Time since the open's first attempt began.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    public bool DeadlinePassed => _deadline?.IsCancellationRequested == true
        || (OverallTimeout != Timeout.InfiniteTimeSpan && Elapsed >= OverallTimeout);

    /// <summary>
    /// The deadline has passed or is too close to start another attempt. The retry loop stops on this rather than on
    /// <see cref="DeadlinePassed"/>: a wait for the last few milliseconds can end early (system timers count whole
    /// milliseconds, so a 0.6 ms wait ends at once), and a loop that only stopped at the deadline itself would spin
    /// through every remaining pass without trying a server, then report the attempt limit instead of the deadline.
    /// </summary>
    public bool NoTimeForAnotherAttempt => DeadlinePassed
        || (OverallTimeout != Timeout.InfiniteTimeSpan && Remaining < MinimumAttemptTime);

    /// <summary>Time left before the overall deadline; <see cref="Timeout.InfiniteTimeSpan"/> without one.</summary>
    public TimeSpan Remaining => OverallTimeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : OverallTimeout - Elapsed;

    public string DeadlineReason => $"the overall timeout of {OverallTimeout.TotalSeconds:0.###} s ran out";

    /// <summary>The limit of an attempt starting now, or <see langword="null"/> when too little time is left to start one.</summary>
    public AttemptLimit? NextAttemptLimit()
    {
        if (OverallTimeout == Timeout.InfiniteTimeSpan)
        {
            return new AttemptLimit(ConnectTimeout, IsConnectTimeout: true);
        }

        var remaining = Remaining;
        if (remaining < MinimumAttemptTime)
        {
            return null;
        }

        return ConnectTimeout == Timeout.InfiniteTimeSpan || remaining < ConnectTimeout
            ? new AttemptLimit(remaining, IsConnectTimeout: false)
            : new AttemptLimit(ConnectTimeout, IsConnectTimeout: true);
    }

    /// <summary>A token source cancelled after <paramref name="timeout"/> or with <paramref name="linked"/> (on the real clock: background checks).</summary>
    public static CancellationTokenSource CreateTimeoutSource(TimeSpan timeout, CancellationToken linked)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(timeout);
        }

        return source;
    }

    /// <summary>A token cancelled after <paramref name="limit"/> on this open's clock, or with the overall deadline or the caller.</summary>
    public AttemptTimeout StartAttemptTimeout(TimeSpan limit) => new(limit, _time, Overall.Token);

    public void Dispose()
    {
        Overall.Dispose();
        _deadline?.Dispose();
    }
}

/// <summary>The limit of one attempt, and whether it is the whole connect timeout rather than what was left of the overall one.</summary>
internal readonly record struct AttemptLimit(TimeSpan Value, bool IsConnectTimeout);

/// <summary>A token cancelled after an attempt's limit, measured on the open's <see cref="TimeProvider"/>, or with the token it is linked to.</summary>
internal sealed class AttemptTimeout : IDisposable
{
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenSource _linked;

    public AttemptTimeout(TimeSpan limit, TimeProvider time, CancellationToken linked)
    {
        if (limit == Timeout.InfiniteTimeSpan)
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(linked);
        }
        else
        {
            _timeout = new CancellationTokenSource(limit, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(linked, _timeout.Token);
        }
    }

    public CancellationToken Token => _linked.Token;

    public void Dispose()
    {
        _linked.Dispose();
        _timeout?.Dispose();
    }
}
