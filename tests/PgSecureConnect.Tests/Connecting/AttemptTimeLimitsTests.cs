using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>The clocks of one open: the overall deadline, counted from the first attempt, and each attempt's own limit.</summary>
public sealed class AttemptTimeLimitsTests
{
    private static readonly TimeSpan Infinite = Timeout.InfiniteTimeSpan;
    private readonly TimerTrackingTimeProvider _time = new();

    private AttemptTimeLimits Limits(TimeSpan overall, TimeSpan connect, long? started = null, CancellationToken caller = default)
        => new(_time, started ?? _time.GetTimestamp(), overall, connect, caller);

    [Fact]
    public void The_overall_deadline_cancels_the_open_when_it_runs_out_and_not_before()
    {
        using var limits = Limits(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        limits.Overall.IsCancellationRequested.Should().BeFalse();
        limits.DeadlinePassed.Should().BeFalse();

        _time.Advance(TimeSpan.FromTicks(1));
        limits.Overall.IsCancellationRequested.Should().BeTrue();
        limits.DeadlinePassed.Should().BeTrue();
    }

    [Fact]
    public void The_deadline_counts_from_the_first_attempt_not_from_when_the_retry_loop_began()
    {
        var firstAttempt = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(2));

        using var limits = Limits(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), started: firstAttempt);

        limits.Elapsed.Should().Be(TimeSpan.FromSeconds(2));
        limits.Remaining.Should().Be(TimeSpan.FromSeconds(3));
        _time.Advance(TimeSpan.FromSeconds(3));
        limits.Overall.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void A_first_attempt_that_already_outlasted_the_deadline_leaves_the_open_cancelled_at_once()
    {
        var firstAttempt = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(6));

        using var limits = Limits(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), started: firstAttempt);

        limits.Overall.IsCancellationRequested.Should().BeTrue();
        limits.DeadlinePassed.Should().BeTrue();
        limits.NextAttemptLimit().Should().BeNull();
    }

    [Fact]
    public void The_deadline_has_passed_by_the_clock_even_when_its_timer_fires_late()
    {
        var time = new TimerTrackingTimeProvider { TimerLateness = TimeSpan.FromMilliseconds(15) };
        using var limits = new AttemptTimeLimits(time, time.GetTimestamp(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(1));

        limits.Overall.IsCancellationRequested.Should().BeFalse("the deadline's timer is late");
        limits.DeadlinePassed.Should().BeTrue();
        limits.NoTimeForAnotherAttempt.Should().BeTrue();
    }

    [Fact]
    public void Without_an_overall_timeout_nothing_runs_out()
    {
        using var limits = Limits(Infinite, TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromDays(1));

        limits.Overall.IsCancellationRequested.Should().BeFalse();
        limits.DeadlinePassed.Should().BeFalse();
        limits.NoTimeForAnotherAttempt.Should().BeFalse();
        limits.Remaining.Should().Be(Infinite);
        limits.Elapsed.Should().Be(TimeSpan.FromDays(1));
        _time.PendingTimers.Should().Be(0, "no deadline timer is needed");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_callers_cancellation_cancels_the_open(bool withOverallTimeout)
    {
        using var caller = new CancellationTokenSource();
        using var limits = Limits(withOverallTimeout ? TimeSpan.FromSeconds(5) : Infinite, TimeSpan.FromSeconds(10), caller: caller.Token);

        caller.Cancel();

        limits.Overall.IsCancellationRequested.Should().BeTrue();
        limits.DeadlinePassed.Should().BeFalse("the caller cancelled; the deadline has not passed");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(950, false)]
    [InlineData(951, true)]
    [InlineData(1000, true)]
    public void No_attempt_starts_with_less_than_50_ms_left(int elapsedMs, bool noTime)
    {
        using var limits = Limits(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromMilliseconds(elapsedMs));

        limits.NoTimeForAnotherAttempt.Should().Be(noTime);
        (limits.NextAttemptLimit() is null).Should().Be(noTime);
    }

    [Fact]
    public void Remaining_is_the_overall_timeout_less_the_time_since_the_first_attempt()
    {
        using var limits = Limits(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromMilliseconds(1250));

        limits.Remaining.Should().Be(TimeSpan.FromMilliseconds(3750));
        limits.OverallTimeout.Should().Be(TimeSpan.FromSeconds(5));
        limits.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(5.0, "the overall timeout of 5 s ran out")]
    [InlineData(1.5, "the overall timeout of 1.5 s ran out")]
    [InlineData(0.0125, "the overall timeout of 0.013 s ran out")]
    public void The_deadline_reason_gives_the_timeout_in_seconds(double seconds, string reason)
    {
        using var limits = Limits(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(10));

        limits.DeadlineReason.Should().Be(reason);
    }

    public static TheoryData<TimeSpan, TimeSpan, TimeSpan, TimeSpan, bool> AttemptLimits => new()
    {
        // overall, connect, elapsed → limit, whether it is the whole connect timeout
        { Infinite, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(10), true },
        { Infinite, Infinite, TimeSpan.Zero, Infinite, true },
        { TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromSeconds(10), true },
        { TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), true },
        { TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(5), false },
        { TimeSpan.FromSeconds(30), Infinite, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(18), false },
        { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(950), TimeSpan.FromMilliseconds(50), false },
    };

    [Theory]
    [MemberData(nameof(AttemptLimits))]
    public void An_attempt_gets_the_connect_timeout_cut_to_what_is_left_of_the_overall_one(TimeSpan overall, TimeSpan connect, TimeSpan elapsed, TimeSpan limit, bool isConnectTimeout)
    {
        using var limits = Limits(overall, connect);
        _time.Advance(elapsed);

        limits.NextAttemptLimit().Should().Be(new AttemptLimit(limit, isConnectTimeout));
    }

    [Fact]
    public void An_attempt_timeout_runs_out_after_its_limit_on_the_opens_clock()
    {
        using var limits = Limits(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        using var attempt = limits.StartAttemptTimeout(TimeSpan.FromSeconds(2));

        _time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        attempt.Token.IsCancellationRequested.Should().BeFalse();

        _time.Advance(TimeSpan.FromTicks(1));
        attempt.Token.IsCancellationRequested.Should().BeTrue();
        limits.Overall.IsCancellationRequested.Should().BeFalse("one attempt running out does not end the open");
    }

    [Fact]
    public void An_attempt_timeout_ends_with_the_overall_deadline()
    {
        using var limits = Limits(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        using var attempt = limits.StartAttemptTimeout(Infinite);

        _time.Advance(TimeSpan.FromSeconds(1));

        attempt.Token.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void An_attempt_without_a_limit_only_ends_with_the_token_it_is_linked_to()
    {
        using var linked = new CancellationTokenSource();
        using var attempt = new AttemptTimeout(Infinite, _time, linked.Token);

        _time.Advance(TimeSpan.FromDays(1));
        attempt.Token.IsCancellationRequested.Should().BeFalse();
        _time.PendingTimers.Should().Be(0);

        linked.Cancel();
        attempt.Token.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void A_limited_attempt_also_ends_with_the_token_it_is_linked_to()
    {
        using var linked = new CancellationTokenSource();
        using var attempt = new AttemptTimeout(TimeSpan.FromSeconds(5), _time, linked.Token);

        linked.Cancel();

        attempt.Token.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void Disposing_an_attempt_timeout_stops_its_timer()
    {
        var attempt = new AttemptTimeout(TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        _time.PendingTimers.Should().Be(1);

        attempt.Dispose();

        _time.PendingTimers.Should().Be(0);
        FluentActions.Invoking(() => attempt.Token).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Disposing_the_limits_stops_the_deadline_timer_and_releases_the_open_token()
    {
        var limits = Limits(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        _time.PendingTimers.Should().Be(1);

        limits.Dispose();

        _time.PendingTimers.Should().Be(0);
        FluentActions.Invoking(() => limits.Overall.Token).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_timeout_source_for_background_checks_runs_out_on_the_real_clock()
    {
        using var source = AttemptTimeLimits.CreateTimeoutSource(TimeSpan.FromMilliseconds(1), CancellationToken.None);

        var cancelled = await Task.Delay(Infinite, source.Token).ContinueWith(t => t.IsCanceled).WaitAsync(TimeSpan.FromSeconds(20));

        cancelled.Should().BeTrue();
    }

    [Fact]
    public void A_timeout_source_without_a_timeout_only_ends_with_the_token_it_is_linked_to()
    {
        using var linked = new CancellationTokenSource();
        using var source = AttemptTimeLimits.CreateTimeoutSource(Infinite, linked.Token);

        source.IsCancellationRequested.Should().BeFalse();
        linked.Cancel();
        source.IsCancellationRequested.Should().BeTrue();
    }
}
