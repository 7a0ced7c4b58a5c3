using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// The discrete variables PgSecureConnect reads, as tutorials name them (<c>DB_HOST</c>, ...), and the libpq keyword
/// each one supplies. The libpq <c>PG*</c> variables come from <see cref="ConnectionParameterCatalog"/> and form the
/// lower layer.
/// </summary>
internal static class VariableNames
{
    public const string DatabaseUrl = "DATABASE_URL";
    public const string FileSuffix = "_FILE";

    /// <summary>Variable name → libpq keyword. Several names may supply one keyword (aliases).</summary>
    public static readonly IReadOnlyList<(string Name, string Keyword)> Discrete =
    [
        ("DB_HOST", LibpqKeyword.Host),
        ("DB_PORT", LibpqKeyword.Port),
        ("DB_NAME", LibpqKeyword.DbName),
        ("DB_DATABASE", LibpqKeyword.DbName),
        ("DB_USER", LibpqKeyword.User),
        ("DB_USERNAME", LibpqKeyword.User),
        ("DB_PASSWORD", LibpqKeyword.Password),
        ("DB_SSLMODE", LibpqKeyword.SslMode),
        ("DB_SSLROOTCERT", LibpqKeyword.SslRootCert),
        ("DB_SSLCERT", LibpqKeyword.SslCert),
        ("DB_SSLKEY", LibpqKeyword.SslKey),
        ("DB_SSLPASSWORD", LibpqKeyword.SslPassword),
        ("DB_CHANNEL_BINDING", LibpqKeyword.ChannelBinding),
        ("DB_CONNECT_TIMEOUT", LibpqKeyword.ConnectTimeout),
        ("DB_APPLICATION_NAME", LibpqKeyword.ApplicationName),
        ("DB_TARGET_SESSION_ATTRS", LibpqKeyword.TargetSessionAttrs),
        ("DB_LOAD_BALANCE_HOSTS", LibpqKeyword.LoadBalanceHosts),
        ("DB_OPTIONS", LibpqKeyword.Options),
        ("DB_SCHEMA", LibpqKeyword.Schema),
        ("DB_POOL_MIN_SIZE", LibpqKeyword.PoolMinConns),
        ("DB_POOL_MAX_SIZE", LibpqKeyword.PoolMaxConns),
        ("DB_POOL_IDLE_LIFETIME", LibpqKeyword.PoolMaxConnIdleTime),
        ("DB_POOL_MAX_LIFETIME", LibpqKeyword.PoolMaxConnLifetime),
        ("DB_POOL_TIMEOUT", LibpqKeyword.PoolTimeout),
        ("DB_PGBOUNCER", LibpqKeyword.PgBouncer),
    ];

    /// <summary>The variables that, next to <c>DATABASE_URL</c>, would say the same thing twice.</summary>
    public static readonly IReadOnlyList<string> ConflictWithUrl =
        ["DB_HOST", "DB_PORT", "DB_NAME", "DB_DATABASE", "DB_USER", "DB_USERNAME", "DB_PASSWORD"];

    /// <summary>Variables that may instead be given as <c>NAME_FILE</c>, naming a file that holds the value.</summary>
    public static readonly IReadOnlyList<string> FileCapable = ["DATABASE_URL", "DB_USER", "DB_PASSWORD", "DB_SSLPASSWORD", "PGPASSWORD"];
}
