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
}
