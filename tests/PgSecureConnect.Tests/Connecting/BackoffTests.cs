using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

public class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 100)]
    [InlineData(3, 200)]
    [InlineData(4, 400)]
    [InlineData(5, 800)]
    [InlineData(6, 1000)]
    [InlineData(60, 1000)]
    public void Ceiling_doubles_up_to_the_maximum(int attempt, int ceilingMs)
        => Backoff.DelayBefore(attempt, Base, Max, random: 1.0).Should().Be(TimeSpan.FromMilliseconds(ceilingMs));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(0.999)]
    public void Full_jitter_scales_the_ceiling(double random)
        => Backoff.DelayBefore(4, Base, Max, random).Should().Be(TimeSpan.FromTicks((long)(TimeSpan.FromMilliseconds(400).Ticks * random)));

    [Fact]
    public void Zero_base_never_waits()
        => Backoff.DelayBefore(5, TimeSpan.Zero, Max, 1.0).Should().Be(TimeSpan.Zero);

    [Fact]
    public void Negative_base_never_waits()
        => Backoff.DelayBefore(5, TimeSpan.FromTicks(-1), Max, 1.0).Should().Be(TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void No_wait_before_the_first_attempt_whatever_the_number(int attempt)
        => Backoff.DelayBefore(attempt, Base, Max, 1.0).Should().Be(TimeSpan.Zero);

    [Theory]
    [InlineData(1.5, 400)]
    [InlineData(-0.5, 0)]
    public void A_random_value_outside_zero_to_one_is_clamped(double random, int expectedMs)
        => Backoff.DelayBefore(4, Base, Max, random).Should().Be(TimeSpan.FromMilliseconds(expectedMs));

    [Theory]
    [InlineData(32, 1L << 30)]
    [InlineData(33, 1L << 30)]
    [InlineData(1000, 1L << 30)]
    public void The_exponent_stops_growing_at_30(int attempt, long ceilingTicks)
        => Backoff.DelayBefore(attempt, TimeSpan.FromTicks(1), TimeSpan.MaxValue, 1.0).Should().Be(TimeSpan.FromTicks(ceilingTicks));
}
