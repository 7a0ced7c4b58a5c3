using Microsoft.Extensions.Time.Testing;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// <see cref="FakeTimeProvider"/> (time moves only when the test moves it; moving it fires the timers that became due,
/// in order), plus the two things the opener tests need that it does not expose: how many timers are pending, so a
/// test can tell that the opener waits on its timers only, and a step to the earliest of them.
/// </summary>
internal sealed class TimerTrackingTimeProvider() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
{
    private readonly object _gate = new();
    private readonly List<TrackedTimer> _timers = [];

    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.Due is not null);
            }
        }
    }

    /// <summary>
    /// Timers due in less than a millisecond fire at once, as the system's timers do (they count whole milliseconds,
    /// rounding down).
    /// </summary>
    public bool WholeMillisecondTimers { get; init; }

    /// <summary>How much later than asked every timer fires, as timers on a busy machine do.</summary>
    public TimeSpan TimerLateness { get; init; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (WholeMillisecondTimers && dueTime > TimeSpan.Zero && dueTime < TimeSpan.FromMilliseconds(1))
        {
            dueTime = TimeSpan.Zero;
        }

        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            dueTime += TimerLateness;
        }

        var timer = new TrackedTimer(this);
        timer.Inner = base.CreateTimer(timer.Fire, (callback, state), dueTime, period);
        timer.Track(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock to the earliest pending timer, which fires; false when no timer is pending.</summary>
    public bool AdvanceToNextTimer()
    {
        DateTimeOffset due;
        lock (_gate)
        {
            var next = _timers.Where(t => t.Due is not null).MinBy(t => t.Due);
            if (next is null)
            {
                return false;
            }

            due = next.Due!.Value;
        }

        var now = GetUtcNow();
        Advance(due > now ? due - now : TimeSpan.Zero);
        return true;
    }

    private sealed class TrackedTimer(TimerTrackingTimeProvider owner) : ITimer
    {
        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset? Due { get; private set; }

        private TimeSpan? Period { get; set; }

        public void Track(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }

                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }
        }

        public void Fire(object? state)
        {
            lock (owner._gate)
            {
                Due = Period is { } period ? owner.GetUtcNow() + period : null;
            }

            var (callback, callbackState) = ((TimerCallback, object?))state!;
            callback(callbackState);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Track(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
