using System.Globalization;
using System.Security.Authentication;
using System.Text;
using Npgsql;

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
        ("sslmode", s => s.SslMode is { } mode ? SslModeName(mode) : null),
        ("sslrootcert", s => s.SslRootCertificate),
        ("sslcert", s => s.SslCertificate),
        ("sslkey", s => s.SslKey),
        ("sslcertmode", s => s.ClientCertificateDisabled ? "disable" : null),
        ("sslpassword", s => s.SslPassword),
        ("sslnegotiation", s => s.SslNegotiation?.ToString().ToLowerInvariant()),
        ("ssl_min_protocol_version", s => TlsName(s.SslMinProtocolVersion)),
        ("ssl_max_protocol_version", s => TlsName(s.SslMaxProtocolVersion)),
        ("channel_binding", s => s.ChannelBinding?.ToString().ToLowerInvariant()),
        ("require_auth", s => s.RequireAuth),
        ("gssencmode", s => s.GssEncryptionMode?.ToString().ToLowerInvariant()),
        ("krbsrvname", s => s.KerberosServiceName),
        ("passfile", s => s.Passfile),
        ("connect_timeout", s => s.ConnectTimeout is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        ("application_name", s => s.ApplicationName),
        ("options", s => s.Options),
        ("client_encoding", s => s.ClientEncoding),
        ("target_session_attrs", s => s.TargetSessionAttributes is { } t ? TargetName(t) : null),
        ("load_balance_hosts", s => s.LoadBalanceHosts is { } b ? (b ? "random" : "disable") : null),
        ("keepalives", s => s.KeepAlives is { } k ? (k ? "1" : "0") : null),
        ("keepalives_idle", s => s.KeepAlivesIdle is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        ("keepalives_interval", s => s.KeepAlivesInterval is { } t ? ConnectionSettings.FormatSeconds(t) : null),
        ("schema", s => s.SearchPath),
        ("pgbouncer", s => s.PgBouncer ? "true" : null),
        ("pool_min_conns", s => s.MinPoolSize?.ToString(CultureInfo.InvariantCulture)),
        ("pool_max_conns", s => s.MaxPoolSize?.ToString(CultureInfo.InvariantCulture)),
        ("pool_max_conn_idle_time", s => s.ConnectionIdleLifetime is { } t ? DurationSyntax.Format(t) : null),
        ("pool_max_conn_lifetime", s => s.ConnectionLifetime is { } t ? DurationSyntax.Format(t) : null),
        ("pool_timeout", s => s.PoolTimeout is { } t ? (t == Timeout.InfiniteTimeSpan ? "0" : DurationSyntax.Format(t)) : null),
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

            if (keyword == "sslpassword" && passwordStyle != PasswordStyle.Include)
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
        yield return ("host", string.Join(",", settings.Servers.Select(s => s.Host)));
        yield return ("port", string.Join(",", settings.Servers.Select(s => s.Port.ToString(CultureInfo.InvariantCulture))));
        if (settings.Database is not null)
        {
            yield return ("dbname", settings.Database);
        }

        if (settings.Username is not null)
        {
            yield return ("user", settings.Username);
        }

        if (settings.Password is not null)
        {
            yield return ("password", settings.Password);
        }

        foreach (var (keyword, render) in QueryParameters)
        {
            if (render(settings) is { } value)
            {
                yield return (keyword, value);
            }
        }
    }

    internal static string SslModeName(SslMode mode) => mode switch
    {
        SslMode.VerifyCA => "verify-ca",
        SslMode.VerifyFull => "verify-full",
        _ => mode.ToString().ToLowerInvariant(),
    };

    internal static string TargetName(TargetSessionAttributes target) => target switch
    {
        TargetSessionAttributes.ReadWrite => "read-write",
        TargetSessionAttributes.ReadOnly => "read-only",
        TargetSessionAttributes.PreferStandby => "prefer-standby",
        TargetSessionAttributes.PreferPrimary => "prefer-primary",
        _ => target.ToString().ToLowerInvariant(),
    };

    private static string? TlsName(SslProtocols? protocol) => protocol switch
    {
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.Tls13 => "TLSv1.3",
        _ => null,
    };
}
