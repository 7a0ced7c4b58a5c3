using System.Globalization;
using System.Security.Authentication;
using System.Text;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Writes <see cref="ConnectionSettings"/> back as a <c>postgresql://</c> URL that <see cref="ConnectionUriParser"/>
/// reads to the same settings, and lists the values for <see cref="ConnectionSettings.Describe"/>.
/// </summary>
internal static class UrlWriter
{
    internal enum PasswordStyle
    {
        Omit,
        Mask,
        Include,
    }

    private const string Mask = "***";

    /// <summary>Query parameters in the order they are written, with how to render each from the settings.</summary>
    private static readonly (string Keyword, Func<ConnectionSettings, string?> Render)[] QueryParameters =
    [
        (LibpqKeyword.SslMode, s => s.SslMode is { } mode ? LibpqNames.Name(mode) : null),
        (LibpqKeyword.SslRootCert, s => s.SslRootCertificate),
        (LibpqKeyword.SslCert, s => s.SslCertificate),
        (LibpqKeyword.SslKey, s => s.SslKey),
        (LibpqKeyword.SslCertMode, s => s.ClientCertificateDisabled ? "disable" : null),
        (LibpqKeyword.SslPassword, s => s.SslPassword),
        (LibpqKeyword.SslNegotiation, s => s.SslNegotiation is { } n ? LibpqNames.SslNegotiations.Name(n) : null),
        (LibpqKeyword.SslMinProtocolVersion, s => s.SslMinProtocolVersion is { } v ? LibpqNames.TlsVersions.Name(v) : null),
        (LibpqKeyword.SslMaxProtocolVersion, s => s.SslMaxProtocolVersion is { } v ? LibpqNames.TlsVersions.Name(v) : null),
        (LibpqKeyword.ChannelBinding, s => s.ChannelBinding is { } c ? LibpqNames.ChannelBindings.Name(c) : null),
        (LibpqKeyword.RequireAuth, s => s.RequireAuth),
        (LibpqKeyword.GssEncMode, s => s.GssEncryptionMode is { } g ? LibpqNames.GssEncryptionModes.Name(g) : null),
        (LibpqKeyword.KrbSrvName, s => s.KerberosServiceName),
        (LibpqKeyword.PassFile, s => s.Passfile),
        (LibpqKeyword.ConnectTimeout, s => s.ConnectTimeout is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        (LibpqKeyword.ApplicationName, s => s.ApplicationName),
        (LibpqKeyword.Options, s => s.Options),
        (LibpqKeyword.ClientEncoding, s => s.ClientEncoding),
        (LibpqKeyword.TargetSessionAttrs, s => s.TargetSessionAttributes is { } t ? LibpqNames.Name(t) : null),
        (LibpqKeyword.LoadBalanceHosts, s => s.LoadBalanceHosts is { } b ? LibpqNames.LoadBalanceHosts.Name(b) : null),
        (LibpqKeyword.Keepalives, s => s.KeepAlives is { } k ? (k ? "1" : "0") : null),
        (LibpqKeyword.KeepalivesIdle, s => s.KeepAlivesIdle is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        (LibpqKeyword.KeepalivesInterval, s => s.KeepAlivesInterval is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        (LibpqKeyword.Schema, s => s.SearchPath),
        (LibpqKeyword.PgBouncer, s => s.PgBouncer ? "true" : null),
        (LibpqKeyword.PoolMinConns, s => s.MinPoolSize?.ToString(CultureInfo.InvariantCulture)),
        (LibpqKeyword.PoolMaxConns, s => s.MaxPoolSize?.ToString(CultureInfo.InvariantCulture)),
        (LibpqKeyword.PoolMaxConnIdleTime, s => s.ConnectionIdleLifetime is { } t ? DurationSyntax.Format(t) : null),
        (LibpqKeyword.PoolMaxConnLifetime, s => s.ConnectionLifetime is { } t ? DurationSyntax.Format(t) : null),
        (LibpqKeyword.PoolTimeout, s => s.PoolTimeout is { } t ? (t == Timeout.InfiniteTimeSpan ? "0" : DurationSyntax.Format(t)) : null),
    ];

    public static string Write(ConnectionSettings settings, PasswordStyle passwordStyle)
    {
        var url = new StringBuilder("postgresql://");
        if (settings.Username is not null || (settings.Password is not null && passwordStyle != PasswordStyle.Omit))
        {
            url.Append(PercentDecoding.Encode(settings.Username ?? string.Empty));
            if (settings.Password is not null && passwordStyle != PasswordStyle.Omit)
            {
                url.Append(':').Append(passwordStyle == PasswordStyle.Include ? PercentDecoding.Encode(settings.Password) : Mask);
            }

            url.Append('@');
        }

        for (var i = 0; i < settings.Servers.Count; i++)
        {
            var server = settings.Servers[i];
            if (i > 0)
            {
                url.Append(',');
            }

            url.Append(server.Host.Contains(':', StringComparison.Ordinal) && !server.IsUnixSocket
                    ? $"[{server.Host.Replace("%", "%25", StringComparison.Ordinal)}]"
                    : PercentDecoding.Encode(server.Host))
                .Append(':').Append(server.Port.ToString(CultureInfo.InvariantCulture));
        }

        if (settings.Database is not null)
        {
            url.Append('/').Append(PercentDecoding.Encode(settings.Database));
        }

        var separator = '?';
        foreach (var (keyword, render) in QueryParameters)
        {
            if (render(settings) is not { } value)
            {
                continue;
            }

            if (keyword == LibpqKeyword.SslPassword && passwordStyle != PasswordStyle.Include)
            {
                if (passwordStyle == PasswordStyle.Omit)
                {
                    continue;
                }

                value = Mask;
            }

            url.Append(separator).Append(keyword).Append('=').Append(value == Mask ? Mask : PercentDecoding.Encode(value));
            separator = '&';
        }

        return url.ToString();
    }

    /// <summary>Every value that is set, as libpq keyword and text; secrets are included and must be masked by the caller.</summary>
    public static IEnumerable<(string Keyword, string Value)> DescribedValues(ConnectionSettings settings)
    {
        yield return (LibpqKeyword.Host, string.Join(",", settings.Servers.Select(s => s.Host)));
        yield return (LibpqKeyword.Port, string.Join(",", settings.Servers.Select(s => s.Port.ToString(CultureInfo.InvariantCulture))));
        if (settings.Database is not null)
        {
            yield return (LibpqKeyword.DbName, settings.Database);
        }

        if (settings.Username is not null)
        {
            yield return (LibpqKeyword.User, settings.Username);
        }

        if (settings.Password is not null)
        {
            yield return (LibpqKeyword.Password, settings.Password);
        }

        foreach (var (keyword, render) in QueryParameters)
        {
            if (render(settings) is { } value)
            {
                yield return (keyword, value);
            }
        }
    }
}
