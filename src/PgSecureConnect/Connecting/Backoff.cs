namespace PgSecureConnect.Connecting;

/// <summary>
/// Exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
/// the wait before attempt <c>n</c> (n ≥ 2) is uniform in [0, min(max, base × 2^(n-2))].
/// </summary>
internal static class Backoff
{
    public static TimeSpan DelayBefore(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        if (attempt < 2 || baseDelay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(attempt - 2, 30);
        var ceilingTicks = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ceilingTicks * Math.Clamp(random, 0, 1)));
    }
}
