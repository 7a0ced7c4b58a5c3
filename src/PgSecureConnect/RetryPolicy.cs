using PgSecureConnect.Internal;

namespace PgSecureConnect;

/// <summary>
/// How a factory retries opening a connection. Only connection establishment is retried, never a command. One
/// attempt tries each eligible server once, in order; between attempts the factory waits an exponentially growing,
/// fully jittered delay. Authentication failures, a missing database, missing privileges, certificate failures and
/// servers that refuse required TLS are never retried and no further server is tried after them. Immutable.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>The default policy.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>One attempt: each server is tried once, no waiting, no retry.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>How many times the server list is tried.</summary>
    /// <value>The default value is 5. Must be at least 1.</value>
    public int MaxAttempts { get; init; } = ConnectionDefaults.MaxAttempts;

    /// <summary>The delay before the second attempt; the delay before attempt <c>n</c> is a random value between zero and <c>min(MaxDelay, BaseDelay × 2^(n-2))</c> ("full jitter").</summary>
    /// <value>The default value is 50 milliseconds.</value>
    public TimeSpan BaseDelay { get; init; } = ConnectionDefaults.BaseDelay;

    /// <summary>The largest delay between attempts.</summary>
    /// <value>The default value is 1 second. Must not be less than <see cref="BaseDelay"/>.</value>
    public TimeSpan MaxDelay { get; init; } = ConnectionDefaults.MaxDelay;

    /// <summary>
    /// The limit for one open, however many servers are down: all attempts, waits and the wait for a free pooled
    /// connection included. A <c>pool_timeout</c> in the settings overrides it.
    /// </summary>
    /// <value>The default value is 30 seconds. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</value>
    public TimeSpan OverallTimeout { get; init; } = ConnectionDefaults.OverallTimeout;

    /// <summary>How long to wait for one server to accept a connection and complete TLS and authentication, when the settings hold no <c>connect_timeout</c>.</summary>
    /// <value>The default value is 10 seconds. Npgsql's granularity is whole seconds.</value>
    public TimeSpan ConnectTimeout { get; init; } = ConnectionDefaults.ConnectTimeout;

    /// <summary>
    /// How long a server that could not be reached (refused, timed out, unreachable) is skipped by later opens. A
    /// background check reaches it again after this interval, so no caller waits on a dead server twice; a server
    /// that answers again is used again.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan HostRecheckInterval { get; init; } = ConnectionDefaults.HostRecheckInterval;

    /// <summary>
    /// How long an open keeps re-reading refreshable credentials (secret files, <see cref="ConnectionFactoryOptions.CredentialProvider"/>)
    /// and trying again after the server refuses authentication, within <see cref="OverallTimeout"/>. This covers a
    /// rotation in either order: the file updated before the server, or the server before the file. Credentials given
    /// literally are never retried (no account lockouts). <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan CredentialRefreshGrace { get; init; } = ConnectionDefaults.CredentialRefreshGrace;

    /// <summary>
    /// How long an attempt that needs a new physical connection (TCP, TLS, authentication and the
    /// <c>target_session_attrs</c> check) may go unanswered before the next server is tried alongside it ("Happy
    /// Eyeballs", RFC 8305). The first attempt to complete wins; the others are cancelled and their connections closed,
    /// and a server that merely lost a race is not marked unreachable. An attempt that fails starts the next one at once.
    /// Applies to asynchronous opens of factories with more than one server; a pooled open never waits for it.
    /// </summary>
    /// <value>The default value is 250 milliseconds. <see cref="Timeout.InfiniteTimeSpan"/> turns racing off: servers are tried one after another.</value>
    public TimeSpan AttemptDelay { get; init; } = ConnectionDefaults.AttemptDelay;

    /// <summary>Checks the values; returns one message per problem.</summary>
    internal IEnumerable<string> Validate()
    {
        if (MaxAttempts < 1)
        {
            yield return $"Retry.MaxAttempts must be at least 1; it is {MaxAttempts}.";
        }

        if (BaseDelay < TimeSpan.Zero)
        {
            yield return $"Retry.BaseDelay must not be negative; it is {BaseDelay}.";
        }

        if (MaxDelay < BaseDelay)
        {
            yield return $"Retry.MaxDelay ({MaxDelay}) must not be less than Retry.BaseDelay ({BaseDelay}).";
        }

        if (OverallTimeout <= TimeSpan.Zero && OverallTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return $"Retry.OverallTimeout must be positive or Timeout.InfiniteTimeSpan; it is {OverallTimeout}.";
        }

        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return $"Retry.ConnectTimeout must be positive or Timeout.InfiniteTimeSpan; it is {ConnectTimeout}.";
        }

        if (HostRecheckInterval <= TimeSpan.Zero)
        {
            yield return $"Retry.HostRecheckInterval must be positive; it is {HostRecheckInterval}.";
        }

        if (CredentialRefreshGrace < TimeSpan.Zero)
        {
            yield return $"Retry.CredentialRefreshGrace must not be negative; it is {CredentialRefreshGrace}.";
        }

        if (AttemptDelay <= TimeSpan.Zero && AttemptDelay != Timeout.InfiniteTimeSpan)
        {
            yield return $"Retry.AttemptDelay must be positive or Timeout.InfiniteTimeSpan; it is {AttemptDelay}.";
        }

        foreach (var (name, value) in new[] { ("CredentialRefreshGrace", CredentialRefreshGrace), ("AttemptDelay", AttemptDelay), ("BaseDelay", BaseDelay), ("MaxDelay", MaxDelay), ("OverallTimeout", OverallTimeout), ("ConnectTimeout", ConnectTimeout), ("HostRecheckInterval", HostRecheckInterval) })
        {
            if (value > Internal.ConnectionLimits.MaxTimerDuration)
            {
                yield return $"Retry.{name} must be at most {Internal.ConnectionLimits.MaxTimerDuration} (the longest timer .NET supports); it is {value}.";
            }
        }
    }
}
