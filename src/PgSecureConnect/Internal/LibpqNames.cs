using System.Security.Authentication;
using Npgsql;

namespace PgSecureConnect.Internal;

/// <summary>
/// The one table of libpq's words: the values each enumerated keyword takes and the enum each maps to, read by the
/// mapper and written by the URL writer, the SSL resolver and the logs. libpq's list of keywords is
/// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS; the keywords themselves are in
/// <see cref="LibpqKeyword"/>.
/// </summary>
internal static class LibpqNames
{
    public static readonly NamedValues<SslMode> SslModes = new(
        [("disable", SslMode.Disable), ("allow", SslMode.Allow), ("prefer", SslMode.Prefer), ("require", SslMode.Require), ("verify-ca", SslMode.VerifyCA), ("verify-full", SslMode.VerifyFull)],

        // node-postgres (pg-connection-string): encrypted, certificate not checked, which is libpq's require.
        accepted: [("no-verify", SslMode.Require)]);

    public static readonly NamedValues<TargetSessionAttributes> TargetSessionAttributes = new(
        [
            ("any", Npgsql.TargetSessionAttributes.Any), ("read-write", Npgsql.TargetSessionAttributes.ReadWrite), ("read-only", Npgsql.TargetSessionAttributes.ReadOnly),
            ("primary", Npgsql.TargetSessionAttributes.Primary), ("standby", Npgsql.TargetSessionAttributes.Standby), ("prefer-standby", Npgsql.TargetSessionAttributes.PreferStandby),
        ],

        // Not libpq, but Npgsql's own value, so Npgsql connection strings keep their meaning.
        accepted: [("prefer-primary", Npgsql.TargetSessionAttributes.PreferPrimary)]);

    public static readonly NamedValues<SslNegotiation> SslNegotiations = new([("postgres", SslNegotiation.Postgres), ("direct", SslNegotiation.Direct)]);

    public static readonly NamedValues<ChannelBinding> ChannelBindings = new([("disable", ChannelBinding.Disable), ("prefer", ChannelBinding.Prefer), ("require", ChannelBinding.Require)]);

    public static readonly NamedValues<GssEncryptionMode> GssEncryptionModes = new([("disable", GssEncryptionMode.Disable), ("prefer", GssEncryptionMode.Prefer), ("require", GssEncryptionMode.Require)]);

    /// <summary><c>load_balance_hosts</c>: <c>random</c> turns it on.</summary>
    public static readonly NamedValues<bool> LoadBalanceHosts = new([("disable", false), ("random", true)]);

    /// <summary><c>ssl_min_protocol_version</c>/<c>ssl_max_protocol_version</c> that .NET still speaks (matched case-insensitively, as libpq does).</summary>
    public static readonly NamedValues<SslProtocols> TlsVersions = new([("TLSv1.2", SslProtocols.Tls12), ("TLSv1.3", SslProtocols.Tls13)], ignoreCase: true);

    public static string Name(SslMode mode) => SslModes.Name(mode);

    public static string Name(TargetSessionAttributes target) => TargetSessionAttributes.Name(target);
}

/// <summary>The libpq names of one enumerated keyword's values.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class NamedValues<T>
    where T : struct
{
    private readonly (string Name, T Value)[] _documented;
    private readonly (string Name, T Value)[] _accepted;
    private readonly StringComparison _comparison;

    /// <param name="documented">libpq's values, in its documentation order; the first name of a value is the one written.</param>
    /// <param name="accepted">Other spellings read (from other drivers), named in no error message.</param>
    /// <param name="ignoreCase">Whether names match case-insensitively.</param>
    public NamedValues((string Name, T Value)[] documented, (string Name, T Value)[]? accepted = null, bool ignoreCase = false)
    {
        _documented = documented;
        _accepted = accepted ?? [];
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        Expected = documented.Length == 1 ? documented[0].Name
            : string.Join(", ", documented[..^1].Select(d => d.Name)) + " or " + documented[^1].Name;
    }

    /// <summary>The documented names for an error message: <c>disable, prefer or require</c>.</summary>
    public string Expected { get; }

    public bool TryParse(string text, out T value)
    {
        foreach (var (name, candidate) in _documented.Concat(_accepted))
        {
            if (string.Equals(name, text, _comparison))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The name written for <paramref name="value"/> (in URLs, logs and messages).</summary>
    public string Name(T value)
    {
        foreach (var (name, candidate) in _documented.Concat(_accepted))
        {
            if (EqualityComparer<T>.Default.Equals(candidate, value))
            {
                return name;
            }
        }

        return value.ToString()!.ToLowerInvariant();
    }
}
