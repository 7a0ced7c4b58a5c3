using System.Collections.Frozen;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Every parameter a connection URL or keyword/value string may hold: the libpq keywords of
/// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS (up to PostgreSQL 18), plus the
/// extras people carry over from Prisma, node-postgres and pgx URLs.
/// </summary>
internal static class ConnectionParameterCatalog
{
    private static readonly ParameterDefinition[] Definitions =
    [
        Mapped(LibpqKeyword.Host, "PGHOST"),
        Mapped(LibpqKeyword.Port, "PGPORT"),
        Mapped(LibpqKeyword.DbName, "PGDATABASE"),
        Mapped(LibpqKeyword.User, "PGUSER"),
        new(LibpqKeyword.Password, "PGPASSWORD", ParameterSupport.Mapped, IsSecret: true),
        Mapped(LibpqKeyword.PassFile, "PGPASSFILE"),
        Mapped(LibpqKeyword.ChannelBinding, "PGCHANNELBINDING"),
        Mapped(LibpqKeyword.RequireAuth, "PGREQUIREAUTH"),
        Mapped(LibpqKeyword.ConnectTimeout, "PGCONNECT_TIMEOUT"),
        Mapped(LibpqKeyword.ClientEncoding, "PGCLIENTENCODING"),
        Mapped(LibpqKeyword.Options, "PGOPTIONS"),
        Mapped(LibpqKeyword.ApplicationName, "PGAPPNAME"),
        Mapped(LibpqKeyword.FallbackApplicationName, null),
        Mapped(LibpqKeyword.Keepalives, null),
        Mapped(LibpqKeyword.KeepalivesIdle, null),
        Mapped(LibpqKeyword.KeepalivesInterval, null),
        Mapped(LibpqKeyword.SslMode, "PGSSLMODE"),
        Mapped(LibpqKeyword.SslNegotiation, "PGSSLNEGOTIATION"),
        Mapped(LibpqKeyword.SslCompression, "PGSSLCOMPRESSION"),
        Mapped(LibpqKeyword.SslCert, "PGSSLCERT"),
        Mapped(LibpqKeyword.SslKey, "PGSSLKEY"),
        Mapped(LibpqKeyword.SslCertMode, "PGSSLCERTMODE"),
        new(LibpqKeyword.SslPassword, null, ParameterSupport.Mapped, IsSecret: true),
        Mapped(LibpqKeyword.SslRootCert, "PGSSLROOTCERT"),
        Mapped(LibpqKeyword.SslSni, "PGSSLSNI"),
        Mapped(LibpqKeyword.SslMinProtocolVersion, "PGSSLMINPROTOCOLVERSION"),
        Mapped(LibpqKeyword.SslMaxProtocolVersion, "PGSSLMAXPROTOCOLVERSION"),
        Mapped(LibpqKeyword.GssEncMode, "PGGSSENCMODE"),
        Mapped(LibpqKeyword.KrbSrvName, "PGKRBSRVNAME"),
        Mapped(LibpqKeyword.TargetSessionAttrs, "PGTARGETSESSIONATTRS"),
        Mapped(LibpqKeyword.LoadBalanceHosts, "PGLOADBALANCEHOSTS"),

        Unsupported("service", "PGSERVICE", "connection service files (pg_service.conf) are a libpq feature; put the host, port, dbname and user in the URL or variables instead"),
        Unsupported("hostaddr", "PGHOSTADDR", "Npgsql resolves host names itself; put the IP address in host instead"),
        Unsupported("keepalives_count", null, "Npgsql cannot set the TCP keepalive probe count (the operating system default is used); remove it"),
        Unsupported("tcp_user_timeout", null, "Npgsql cannot set TCP_USER_TIMEOUT; remove it (keepalives_idle and keepalives_interval are supported)"),
        Unsupported("sslcrl", "PGSSLCRL", "Npgsql cannot read certificate revocation list files; remove it"),
        Unsupported("sslcrldir", "PGSSLCRLDIR", "Npgsql cannot read certificate revocation list directories; remove it"),
        Unsupported("sslkeylogfile", "PGSSLKEYLOGFILE", "Npgsql cannot write TLS key log files; remove it"),
        Unsupported("requirepeer", "PGREQUIREPEER", "Npgsql cannot check the peer user of a Unix-domain socket; remove it"),
        Unsupported("min_protocol_version", "PGMINPROTOCOLVERSION", "Npgsql always speaks protocol 3.0; remove it"),
        Unsupported("max_protocol_version", "PGMAXPROTOCOLVERSION", "Npgsql always speaks protocol 3.0; remove it"),
        Unsupported("gsslib", "PGGSSLIB", "gsslib only selects SSPI on Windows builds of libpq; remove it"),
        Unsupported("gssdelegation", "PGGSSDELEGATION", "Npgsql cannot delegate GSS credentials; remove it"),
        Unsupported("replication", null, "replication connections need Npgsql's LogicalReplicationConnection or PhysicalReplicationConnection, not a pooled data source"),
        Unsupported("scram_client_key", null, "SCRAM pass-through keys are not supported by Npgsql; use password"),
        Unsupported("scram_server_key", null, "SCRAM pass-through keys are not supported by Npgsql; use password"),
        Unsupported("oauth_issuer", null, "OAuth authentication is not supported by Npgsql; use password or a client certificate"),
        Unsupported("oauth_client_id", null, "OAuth authentication is not supported by Npgsql; use password or a client certificate"),
        new("oauth_client_secret", null, ParameterSupport.NoNpgsqlEquivalent, IsSecret: true, "OAuth authentication is not supported by Npgsql; use password or a client certificate"),
        Unsupported("oauth_scope", null, "OAuth authentication is not supported by Npgsql; use password or a client certificate"),

        Extension(LibpqKeyword.PgBouncer),
        Extension(LibpqKeyword.ConnectionLimit),
        Extension(LibpqKeyword.PoolTimeout),
        Extension(LibpqKeyword.Schema),
        Extension(LibpqKeyword.PoolMinConns),
        Extension(LibpqKeyword.PoolMaxConns),
        Extension(LibpqKeyword.PoolMaxConnLifetime),
        Extension(LibpqKeyword.PoolMaxConnIdleTime),
    ];

    private static readonly FrozenDictionary<string, ParameterDefinition> ByKeyword =
        Definitions.ToFrozenDictionary(d => d.Keyword, StringComparer.Ordinal);

    /// <summary>All known parameters, in documentation order.</summary>
    public static IReadOnlyList<ParameterDefinition> All => Definitions;

    public static bool TryGet(string keyword, out ParameterDefinition definition)
        => ByKeyword.TryGetValue(keyword, out definition!);

    /// <summary>
    /// libpq's <c>conninfo_storeval</c> turns the legacy <c>requiressl=1</c> into <c>sslmode=require</c> and any other
    /// <c>requiressl</c> value into <c>sslmode=prefer</c>.
    /// </summary>
    public static (string Keyword, string Value) TranslateLegacy(string keyword, string value)
        => keyword == "requiressl" ? (LibpqKeyword.SslMode, value.StartsWith('1') ? "require" : "prefer") : (keyword, value);

    public static bool IsSecret(string keyword) => TryGet(keyword, out var definition) && definition.IsSecret;

    /// <summary>The known keyword closest to <paramref name="unknown"/>, if one is close enough to be a typo.</summary>
    public static string? SuggestFor(string unknown)
    {
        var lowered = unknown.ToLowerInvariant().Replace('-', '_');
        if (ByKeyword.ContainsKey(lowered))
        {
            return lowered;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var definition in Definitions)
        {
            var distance = EditDistance(lowered, definition.Keyword);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = definition.Keyword;
            }
        }

        var allowed = lowered.Length <= 3 ? 1 : lowered.Length <= 8 ? 2 : 3;
        return bestDistance <= allowed ? best : null;
    }

    private static ParameterDefinition Mapped(string keyword, string? environmentVariable)
        => new(keyword, environmentVariable, ParameterSupport.Mapped);

    private static ParameterDefinition Unsupported(string keyword, string? environmentVariable, string explanation)
        => new(keyword, environmentVariable, ParameterSupport.NoNpgsqlEquivalent, Explanation: explanation);

    private static ParameterDefinition Extension(string keyword)
        => new(keyword, null, ParameterSupport.Extension);

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
