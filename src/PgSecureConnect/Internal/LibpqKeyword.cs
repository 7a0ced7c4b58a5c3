namespace PgSecureConnect.Internal;

/// <summary>
/// The libpq keywords (and the extensions carried over from other drivers' URLs) the library maps, so that none is
/// typed twice. Which ones exist, and which Npgsql cannot honour, is <c>Parsing/ConnectionParameterCatalog</c>.
/// </summary>
internal static class LibpqKeyword
{
    /// <summary><c>host</c></summary>
    public const string Host = "host";

    /// <summary><c>port</c></summary>
    public const string Port = "port";

    /// <summary><c>dbname</c></summary>
    public const string DbName = "dbname";

    /// <summary><c>user</c></summary>
    public const string User = "user";

    /// <summary><c>password</c></summary>
    public const string Password = "password";

    /// <summary><c>passfile</c></summary>
    public const string PassFile = "passfile";

    /// <summary><c>channel_binding</c></summary>
    public const string ChannelBinding = "channel_binding";

    /// <summary><c>require_auth</c></summary>
    public const string RequireAuth = "require_auth";

    /// <summary><c>connect_timeout</c></summary>
    public const string ConnectTimeout = "connect_timeout";

    /// <summary><c>client_encoding</c></summary>
    public const string ClientEncoding = "client_encoding";

    /// <summary><c>options</c></summary>
    public const string Options = "options";

    /// <summary><c>application_name</c></summary>
    public const string ApplicationName = "application_name";

    /// <summary><c>fallback_application_name</c></summary>
    public const string FallbackApplicationName = "fallback_application_name";

    /// <summary><c>keepalives</c></summary>
    public const string Keepalives = "keepalives";

    /// <summary><c>keepalives_idle</c></summary>
    public const string KeepalivesIdle = "keepalives_idle";

    /// <summary><c>keepalives_interval</c></summary>
    public const string KeepalivesInterval = "keepalives_interval";

    /// <summary><c>sslmode</c></summary>
    public const string SslMode = "sslmode";

    /// <summary><c>sslnegotiation</c></summary>
    public const string SslNegotiation = "sslnegotiation";

    /// <summary><c>sslcompression</c></summary>
    public const string SslCompression = "sslcompression";

    /// <summary><c>sslcert</c></summary>
    public const string SslCert = "sslcert";

    /// <summary><c>sslkey</c></summary>
    public const string SslKey = "sslkey";

    /// <summary><c>sslcertmode</c></summary>
    public const string SslCertMode = "sslcertmode";

    /// <summary><c>sslpassword</c></summary>
    public const string SslPassword = "sslpassword";

    /// <summary><c>sslrootcert</c></summary>
    public const string SslRootCert = "sslrootcert";

    /// <summary><c>sslsni</c></summary>
    public const string SslSni = "sslsni";

    /// <summary><c>ssl_min_protocol_version</c></summary>
    public const string SslMinProtocolVersion = "ssl_min_protocol_version";

    /// <summary><c>ssl_max_protocol_version</c></summary>
    public const string SslMaxProtocolVersion = "ssl_max_protocol_version";

    /// <summary><c>gssencmode</c></summary>
    public const string GssEncMode = "gssencmode";

    /// <summary><c>krbsrvname</c></summary>
    public const string KrbSrvName = "krbsrvname";

    /// <summary><c>target_session_attrs</c></summary>
    public const string TargetSessionAttrs = "target_session_attrs";

    /// <summary><c>load_balance_hosts</c></summary>
    public const string LoadBalanceHosts = "load_balance_hosts";

    /// <summary><c>pgbouncer</c></summary>
    public const string PgBouncer = "pgbouncer";

    /// <summary><c>connection_limit</c></summary>
    public const string ConnectionLimit = "connection_limit";

    /// <summary><c>pool_timeout</c></summary>
    public const string PoolTimeout = "pool_timeout";

    /// <summary><c>schema</c></summary>
    public const string Schema = "schema";

    /// <summary><c>pool_min_conns</c></summary>
    public const string PoolMinConns = "pool_min_conns";

    /// <summary><c>pool_max_conns</c></summary>
    public const string PoolMaxConns = "pool_max_conns";

    /// <summary><c>pool_max_conn_lifetime</c></summary>
    public const string PoolMaxConnLifetime = "pool_max_conn_lifetime";

    /// <summary><c>pool_max_conn_idle_time</c></summary>
    public const string PoolMaxConnIdleTime = "pool_max_conn_idle_time";
}
