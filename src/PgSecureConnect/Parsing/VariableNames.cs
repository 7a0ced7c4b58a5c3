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
        ("DB_HOST", "host"),
        ("DB_PORT", "port"),
        ("DB_NAME", "dbname"),
        ("DB_DATABASE", "dbname"),
        ("DB_USER", "user"),
        ("DB_USERNAME", "user"),
        ("DB_PASSWORD", "password"),
        ("DB_SSLMODE", "sslmode"),
        ("DB_SSLROOTCERT", "sslrootcert"),
        ("DB_SSLCERT", "sslcert"),
        ("DB_SSLKEY", "sslkey"),
        ("DB_SSLPASSWORD", "sslpassword"),
        ("DB_CHANNEL_BINDING", "channel_binding"),
        ("DB_CONNECT_TIMEOUT", "connect_timeout"),
        ("DB_APPLICATION_NAME", "application_name"),
        ("DB_TARGET_SESSION_ATTRS", "target_session_attrs"),
        ("DB_LOAD_BALANCE_HOSTS", "load_balance_hosts"),
        ("DB_OPTIONS", "options"),
        ("DB_SCHEMA", "schema"),
        ("DB_POOL_MIN_SIZE", "pool_min_conns"),
        ("DB_POOL_MAX_SIZE", "pool_max_conns"),
        ("DB_POOL_IDLE_LIFETIME", "pool_max_conn_idle_time"),
        ("DB_POOL_MAX_LIFETIME", "pool_max_conn_lifetime"),
        ("DB_POOL_TIMEOUT", "pool_timeout"),
        ("DB_PGBOUNCER", "pgbouncer"),
    ];

    /// <summary>The variables that, next to <c>DATABASE_URL</c>, would say the same thing twice.</summary>
    public static readonly IReadOnlyList<string> ConflictWithUrl =
        ["DB_HOST", "DB_PORT", "DB_NAME", "DB_DATABASE", "DB_USER", "DB_USERNAME", "DB_PASSWORD"];

    /// <summary>Variables that may instead be given as <c>NAME_FILE</c>, naming a file that holds the value.</summary>
    public static readonly IReadOnlyList<string> FileCapable = ["DATABASE_URL", "DB_USER", "DB_PASSWORD", "DB_SSLPASSWORD", "PGPASSWORD"];
}
