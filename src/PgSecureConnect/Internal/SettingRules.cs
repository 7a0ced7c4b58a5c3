using Npgsql;

namespace PgSecureConnect.Internal;

/// <summary>
/// The rules that check one setting against another, written once. Parsing runs them on the values given (so
/// <see cref="ConnectionSettings.FromUrl"/> already refuses a contradiction it can see), and a factory runs them again
/// after the SSL policy and the defaults are filled in, on the values it will really use.
/// </summary>
internal static class SettingRules
{
    /// <summary>The default <c>Maximum Pool Size</c> of Npgsql, used when nothing sets one.</summary>
    public const int NpgsqlDefaultMaxPoolSize = 100;

    /// <summary><c>sslnegotiation=direct</c> and <c>channel_binding=require</c> against the SSL mode.</summary>
    /// <param name="mode">The SSL mode; <see langword="null"/> when not given (nothing to check yet).</param>
    /// <param name="negotiation">The <c>sslnegotiation</c>.</param>
    /// <param name="channelBinding">The <c>channel_binding</c>.</param>
    /// <param name="isEffectiveMode">Whether <paramref name="mode"/> is the factory's effective mode, for the message.</param>
    /// <param name="sourceOf">Where a keyword's value came from.</param>
    /// <param name="problems">Where problems go.</param>
    public static void CheckTlsCombinations(SslMode? mode, SslNegotiation? negotiation, ChannelBinding? channelBinding, bool isEffectiveMode, Func<string, SettingSource?> sourceOf, ProblemList problems)
    {
        if (mode is not { } given)
        {
            return;
        }

        var modeIs = (isEffectiveMode ? "the effective sslmode is " : "sslmode is ") + LibpqNames.Name(given);
        if (negotiation == SslNegotiation.Direct && given is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
        {
            problems.Add(LibpqKeyword.SslNegotiation, sourceOf(LibpqKeyword.SslNegotiation),
                $"sslnegotiation=direct needs sslmode require, verify-ca or verify-full (libpq rejects weaker modes with direct negotiation); {modeIs}");
        }

        if (channelBinding == ChannelBinding.Require && given == SslMode.Disable)
        {
            problems.Add(LibpqKeyword.ChannelBinding, sourceOf(LibpqKeyword.ChannelBinding), $"channel_binding=require needs TLS, but {modeIs}");
        }
    }

    /// <summary>The minimum pool size against the maximum (Npgsql's default maximum when <paramref name="isEffective"/> and none is set).</summary>
    public static void CheckPoolSizes(int? minimum, int? maximum, bool isEffective, Func<string, SettingSource?> sourceOf, ProblemList problems)
    {
        var max = maximum ?? (isEffective ? NpgsqlDefaultMaxPoolSize : null);
        if (minimum > max)
        {
            problems.Add(LibpqKeyword.PoolMinConns, sourceOf(LibpqKeyword.PoolMinConns), $"the minimum pool size ({minimum}) is larger than the maximum ({max})");
        }
    }
}
