using Npgsql;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Fills an <see cref="NpgsqlConnectionStringBuilder"/> from <see cref="ConnectionSettings"/> property by property
/// (never by concatenating strings, so no value can inject a keyword).
/// </summary>
internal static class NpgsqlSettingsWriter
{
    public static NpgsqlConnectionStringBuilder ToBuilder(ConnectionSettings settings, IReadOnlyList<ServerEndpoint> servers, bool includeTargetSessionAttributes)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            PersistSecurityInfo = false,

            // Npgsql 10 defaults to Prefer, which loads Kerberos libraries and fails in containers without them; libpq
            // only tries GSS encryption when a credential cache exists. Ask for it explicitly to get it.
            GssEncryptionMode = settings.GssEncryptionMode ?? GssEncryptionMode.Disable,

            // libpq turns TCP keepalives on unless told otherwise; Npgsql leaves them off.
            TcpKeepAlive = settings.KeepAlives ?? true,
        };

        if (servers.Count == 1)
        {
            builder.Host = servers[0].Host;
            builder.Port = servers[0].Port;
        }
        else
        {
            builder.Host = string.Join(',', servers.Select(s => s.ToString()));
        }

        builder.Database = settings.Database;
        builder.Username = settings.Username;
        builder.Password = settings.Password;
        builder.Passfile = settings.Passfile;

        var hasRootFile = settings.SslRootCertificate is not null && !settings.UsesSystemRootCertificates;
        if (EffectiveSslMode(settings.SslMode, hasRootFile, settings.UsesSystemRootCertificates) is { } sslMode)
        {
            builder.SslMode = sslMode;
        }

        if (hasRootFile)
        {
            builder.RootCertificate = settings.SslRootCertificate;
        }

        if (!settings.ClientCertificateDisabled)
        {
            builder.SslCertificate = settings.SslCertificate;
            builder.SslKey = settings.SslKey;
        }

        builder.SslPassword = settings.SslPassword;
        if (settings.SslNegotiation is { } negotiation)
        {
            builder.SslNegotiation = negotiation;
        }

        if (settings.ChannelBinding is { } binding)
        {
            builder.ChannelBinding = binding;
        }

        if (settings.RequireAuth is { } requireAuth)
        {
            builder.RequireAuth = RequireAuthSyntax.ToNpgsql(requireAuth);
        }

        builder.KerberosServiceName = settings.KerberosServiceName ?? builder.KerberosServiceName;
        if (settings.ConnectTimeout is { } timeout)
        {
            builder.Timeout = timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Ceiling(timeout.TotalSeconds);
        }

        builder.ApplicationName = settings.ApplicationName;
        builder.Options = settings.Options;
        builder.SearchPath = settings.SearchPath;
        builder.ClientEncoding = settings.ClientEncoding;
        if (includeTargetSessionAttributes && settings.TargetSessionAttributes is { } target)
        {
            builder.TargetSessionAttributes = Internal.LibpqNames.Name(target);
        }

        if (servers.Count > 1 && settings.LoadBalanceHosts == true)
        {
            builder.LoadBalanceHosts = true;
        }

        if (settings.KeepAlivesIdle is { } idle)
        {
            builder.TcpKeepAliveTime = (int)idle.TotalSeconds;
        }

        if (settings.KeepAlivesInterval is { } interval)
        {
            builder.TcpKeepAliveInterval = (int)interval.TotalSeconds;
        }

        if (settings.MinPoolSize is { } min)
        {
            builder.MinPoolSize = min;
        }

        if (settings.MaxPoolSize is { } max)
        {
            builder.MaxPoolSize = max;
        }

        if (settings.ConnectionIdleLifetime is { } idleLifetime)
        {
            builder.ConnectionIdleLifetime = Math.Max(1, (int)Math.Ceiling(idleLifetime.TotalSeconds));
        }

        if (settings.ConnectionLifetime is { } lifetime)
        {
            builder.ConnectionLifetime = Math.Max(1, (int)Math.Ceiling(lifetime.TotalSeconds));
        }

        if (settings.PgBouncer)
        {
            // PgBouncer in transaction mode hands each transaction to any server connection: session state (and
            // DISCARD ALL on return) makes no sense there, and prepared statements must not be cached.
            builder.NoResetOnClose = true;
            builder.MaxAutoPrepare = 0;
        }

        return builder;
    }

    /// <summary>
    /// libpq's meaning in Npgsql's terms: <c>require</c> with a root certificate file verifies the chain
    /// (<see cref="SslMode.VerifyCA"/>; Npgsql's Require never does), and <c>sslrootcert=system</c> defaults to
    /// <see cref="SslMode.VerifyFull"/>. A factory's settings already hold the resolved mode.
    /// </summary>
    private static SslMode? EffectiveSslMode(SslMode? mode, bool hasRootFile, bool systemRoots) => mode switch
    {
        SslMode.Require when hasRootFile => SslMode.VerifyCA,
        null when systemRoots => SslMode.VerifyFull,
        _ => mode,
    };
}
