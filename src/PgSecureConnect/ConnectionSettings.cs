using System.Globalization;
using System.Security.Authentication;
using System.Text;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Parsing;

namespace PgSecureConnect;

/// <summary>
/// Validated PostgreSQL connection settings in libpq's terms, with the place each value came from. Created by
/// <see cref="FromUrl"/> and <see cref="FromVariables"/> (pure: no environment, no I/O, no policy) or, with the
/// <see cref="SslPolicy"/> applied and defaults filled in, by the <see cref="ConnectionFactory"/> methods
/// (<see cref="IConnectionFactory.Settings"/>). Immutable. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class ConnectionSettings
{
    private readonly System.Collections.ObjectModel.ReadOnlyDictionary<string, SettingSource> _sources;

    /// <summary>Settings with nothing set (a starting point that validation rejects).</summary>
    internal ConnectionSettings()
        : this(new ConnectionSettingsBuilder())
    {
    }

    /// <summary>Freezes what <paramref name="builder"/> holds; later changes to the builder do not reach these settings.</summary>
    internal ConnectionSettings(ConnectionSettingsBuilder builder)
    {
        // Copies behind read-only wrappers: a caller casting Servers to List<T> cannot change the settings a factory
        // (or its lazily built multi-host data source) uses.
        Servers = builder.Servers.ToList().AsReadOnly();
        Database = builder.Database;
        Username = builder.Username;
        Password = builder.Password;
        Passfile = builder.Passfile;
        SslMode = builder.SslMode;
        SslRootCertificate = builder.SslRootCertificate;
        SslCertificate = builder.SslCertificate;
        SslKey = builder.SslKey;
        SslPassword = builder.SslPassword;
        ClientCertificateDisabled = builder.ClientCertificateDisabled;
        UrlFile = builder.UrlFile;
        CredentialStatus = builder.CredentialStatus;
        Warnings = builder.Warnings.ToList().AsReadOnly();
        SslNegotiation = builder.SslNegotiation;
        SslMinProtocolVersion = builder.SslMinProtocolVersion;
        SslMaxProtocolVersion = builder.SslMaxProtocolVersion;
        ChannelBinding = builder.ChannelBinding;
        RequireAuth = builder.RequireAuth;
        GssEncryptionMode = builder.GssEncryptionMode;
        KerberosServiceName = builder.KerberosServiceName;
        ConnectTimeout = builder.ConnectTimeout;
        ApplicationName = builder.ApplicationName;
        Options = builder.Options;
        SearchPath = builder.SearchPath;
        ClientEncoding = builder.ClientEncoding;
        TargetSessionAttributes = builder.TargetSessionAttributes;
        LoadBalanceHosts = builder.LoadBalanceHosts;
        KeepAlives = builder.KeepAlives;
        KeepAlivesIdle = builder.KeepAlivesIdle;
        KeepAlivesInterval = builder.KeepAlivesInterval;
        MinPoolSize = builder.MinPoolSize;
        MaxPoolSize = builder.MaxPoolSize;
        ConnectionIdleLifetime = builder.ConnectionIdleLifetime;
        ConnectionLifetime = builder.ConnectionLifetime;
        PoolTimeout = builder.PoolTimeout;
        PgBouncer = builder.PgBouncer;
        _sources = new Dictionary<string, SettingSource>(builder.Sources, StringComparer.Ordinal).AsReadOnly();
    }

    /// <summary>The servers to try, in order (libpq's <c>host</c> and <c>port</c> lists). Never empty.</summary>
    public IReadOnlyList<ServerEndpoint> Servers { get; }

    /// <summary>The database name (<c>dbname</c>); <see langword="null"/> means the server's default, the user name.</summary>
    public string? Database { get; }

    /// <summary>The user name (<c>user</c>); <see langword="null"/> means Npgsql's default, the operating system user.</summary>
    public string? Username { get; }

    /// <summary>
    /// The password. Not a public property, so that serializers and destructuring loggers never write it: read it with
    /// <see cref="GetPassword"/>, check it with <see cref="HasPassword"/>.
    /// </summary>
    internal string? Password { get; }

    /// <summary>Whether a password is set. The password itself is never shown by <see cref="ToString"/>, <see cref="Describe"/> or any message.</summary>
    public bool HasPassword => Password is not null;

    /// <summary>A PostgreSQL password file (<c>passfile</c>), read by Npgsql when no password is given.</summary>
    public string? Passfile { get; }

    /// <summary>
    /// The SSL mode (<c>sslmode</c>). <see langword="null"/> when not specified; in a factory's
    /// <see cref="IConnectionFactory.Settings"/> it is always the effective mode chosen by the <see cref="SslPolicy"/>.
    /// </summary>
    public SslMode? SslMode { get; }

    /// <summary>The CA certificate file that verifies the server (<c>sslrootcert</c>), or <c>system</c> for the operating system's trust store.</summary>
    public string? SslRootCertificate { get; }

    /// <summary>Whether <see cref="SslRootCertificate"/> is the special value <c>system</c>.</summary>
    public bool UsesSystemRootCertificates => SslRootCertificate == "system";

    /// <summary>The client certificate file (<c>sslcert</c>).</summary>
    public string? SslCertificate { get; }

    /// <summary>The client certificate's private key file (<c>sslkey</c>).</summary>
    public string? SslKey { get; }

    /// <summary>The password of <see cref="SslKey"/> (<c>sslpassword</c>); read it with <see cref="GetSslPassword"/>.</summary>
    internal string? SslPassword { get; }

    /// <summary>Whether a password for <see cref="SslKey"/> (<c>sslpassword</c>) is set. Never shown.</summary>
    public bool HasSslPassword => SslPassword is not null;

    /// <summary><c>sslcertmode=disable</c>: no client certificate is presented, even one configured elsewhere.</summary>
    internal bool ClientCertificateDisabled { get; }

    /// <summary>The secret file <c>DATABASE_URL_FILE</c> named, when the URL came from one (its user and password are re-read when it changes).</summary>
    internal SettingSource? UrlFile { get; }

    /// <summary>In a factory's settings: where the credentials in use came from and when they were last refreshed, for <see cref="Describe"/>.</summary>
    internal Func<string?>? CredentialStatus { get; }

    /// <summary>Things worth a warning that are not errors (a later <c>ssl=true</c> that weakens <c>sslmode</c>); logged when a factory is created.</summary>
    internal IReadOnlyList<string> Warnings { get; }

    /// <summary>How TLS is negotiated (<c>sslnegotiation</c>: <c>postgres</c> or <c>direct</c>).</summary>
    public SslNegotiation? SslNegotiation { get; }

    /// <summary>The lowest TLS version accepted (<c>ssl_min_protocol_version</c>).</summary>
    public SslProtocols? SslMinProtocolVersion { get; }

    /// <summary>The highest TLS version offered (<c>ssl_max_protocol_version</c>).</summary>
    public SslProtocols? SslMaxProtocolVersion { get; }

    /// <summary>SCRAM channel binding (<c>channel_binding</c>).</summary>
    public ChannelBinding? ChannelBinding { get; }

    /// <summary>The authentication methods the client accepts (<c>require_auth</c>), in libpq syntax such as <c>scram-sha-256</c> or <c>!password,!md5</c>.</summary>
    public string? RequireAuth { get; }

    /// <summary>GSSAPI encryption (<c>gssencmode</c>). Unless asked for, factories use <see cref="Npgsql.GssEncryptionMode.Disable"/>.</summary>
    public GssEncryptionMode? GssEncryptionMode { get; }

    /// <summary>The Kerberos service name (<c>krbsrvname</c>).</summary>
    public string? KerberosServiceName { get; }

    /// <summary>
    /// How long to wait for one server to accept a connection (<c>connect_timeout</c>). libpq's rules apply: 0 or a
    /// negative value is <see cref="Timeout.InfiniteTimeSpan"/>, and 1 second is raised to 2.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; }

    /// <summary>The application name reported to the server (<c>application_name</c>, or <c>fallback_application_name</c>).</summary>
    public string? ApplicationName { get; }

    /// <summary>Command-line options sent to the server at connection start (<c>options</c>), for example <c>-c statement_timeout=5s</c>.</summary>
    public string? Options { get; }

    /// <summary>The schema search path (the Prisma extension <c>schema</c>).</summary>
    public string? SearchPath { get; }

    /// <summary>The client encoding (<c>client_encoding</c>); Npgsql always speaks UTF-8, so only <c>UTF8</c> is accepted.</summary>
    public string? ClientEncoding { get; }

    /// <summary>Which kind of server is acceptable (<c>target_session_attrs</c>); also honoured with a single host.</summary>
    public TargetSessionAttributes? TargetSessionAttributes { get; }

    /// <summary>Whether to spread connections randomly across the servers (<c>load_balance_hosts=random</c>).</summary>
    public bool? LoadBalanceHosts { get; }

    /// <summary>Whether TCP keepalives are used (<c>keepalives</c>). As in libpq they are on unless turned off.</summary>
    public bool? KeepAlives { get; }

    /// <summary>Idle time before the first TCP keepalive probe (<c>keepalives_idle</c>).</summary>
    public TimeSpan? KeepAlivesIdle { get; }

    /// <summary>Time between TCP keepalive probes (<c>keepalives_interval</c>).</summary>
    public TimeSpan? KeepAlivesInterval { get; }

    /// <summary>The minimum number of pooled connections per server (<c>pool_min_conns</c>, <c>DB_POOL_MIN_SIZE</c>).</summary>
    public int? MinPoolSize { get; }

    /// <summary>The maximum number of pooled connections per server (<c>pool_max_conns</c> or <c>connection_limit</c>, <c>DB_POOL_MAX_SIZE</c>).</summary>
    public int? MaxPoolSize { get; }

    /// <summary>How long an idle pooled connection is kept (<c>pool_max_conn_idle_time</c>, <c>DB_POOL_IDLE_LIFETIME</c>).</summary>
    public TimeSpan? ConnectionIdleLifetime { get; }

    /// <summary>The maximum age of a pooled connection (<c>pool_max_conn_lifetime</c>, <c>DB_POOL_MAX_LIFETIME</c>).</summary>
    public TimeSpan? ConnectionLifetime { get; }

    /// <summary>
    /// An overall limit for one open, including waiting for a free pooled connection and all retries (the Prisma
    /// extension <c>pool_timeout</c>, <c>DB_POOL_TIMEOUT</c>). Overrides <see cref="RetryPolicy.OverallTimeout"/>.
    /// </summary>
    public TimeSpan? PoolTimeout { get; }

    /// <summary>The servers are behind PgBouncer in transaction mode (the Prisma extension <c>pgbouncer=true</c>): connections are not reset on close and statements are not auto-prepared.</summary>
    public bool PgBouncer { get; }

    /// <summary>Where each value came from, keyed by libpq keyword (<c>host</c>, <c>sslmode</c>, ...).</summary>
    public IReadOnlyDictionary<string, SettingSource> Sources => _sources;

    /// <summary>Whether any server is not on this machine (see <see cref="ServerEndpoint.IsLocal"/>).</summary>
    public bool HasRemoteServers => Servers.Any(s => !s.IsLocal);

    /// <summary>
    /// Parses a <c>postgresql://</c> or <c>postgres://</c> URL, or a libpq keyword/value string, exactly as libpq
    /// does, and validates every parameter. Pure: reads no environment variable or file and applies no policy.
    /// </summary>
    /// <param name="url">The URL, for example <c>postgresql://app:secret@db.example.com:5432/orders?sslmode=verify-full</c>.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">The URL is malformed or holds invalid or unsupported parameters; every problem is listed.</exception>
    public static ConnectionSettings FromUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return ConnectionStringReader.Read(url, "url", origin: null);
    }

    /// <summary>
    /// Builds settings from discrete variables such as <c>DB_HOST</c>, <c>DB_PORT</c>, <c>DB_NAME</c>,
    /// <c>DB_USER</c>, <c>DB_PASSWORD</c> (and the libpq <c>PG*</c> variables as a lower layer), or from a
    /// <c>DATABASE_URL</c> entry. The dictionary is the only source of values; files are read only when a
    /// <c>DB_PASSWORD_FILE</c>-style variable names one. No policy is applied.
    /// </summary>
    /// <param name="variables">Variable names and values; names are case-sensitive, as environment variables on Linux.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="variables"/> is <see langword="null"/>.</exception>
    /// <exception cref="ConnectionConfigurationException">Values are missing, malformed or contradictory; every problem is listed.</exception>
    public static ConnectionSettings FromVariables(IReadOnlyDictionary<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var source = VariableSource.FromDictionary(variables, SettingSourceKind.Variables);
        return VariablesReader.Read(source, prefix: null, readFile: null).Settings;
    }

    /// <summary>
    /// The password (<c>password</c>), or <see langword="null"/> when none is set. A method rather than a property, so
    /// that JSON serializers and structured-logging destructuring (<c>{@Settings}</c>) never write it.
    /// </summary>
    /// <returns>The password.</returns>
    public string? GetPassword() => Password;

    /// <summary>The password of the client key (<c>sslpassword</c>), or <see langword="null"/>; a method for the same reason as <see cref="GetPassword"/>.</summary>
    /// <returns>The key password.</returns>
    public string? GetSslPassword() => SslPassword;

    /// <summary>The source of <paramref name="keyword"/>, or <see langword="null"/> when it was not set.</summary>
    /// <param name="keyword">A libpq keyword such as <c>sslmode</c>.</param>
    /// <returns>Where the value came from.</returns>
    public SettingSource? GetSource(string keyword) => _sources.GetValueOrDefault(keyword);

    /// <summary>
    /// A complete Npgsql connection string builder for code that uses Npgsql directly: every server, the password, pool
    /// settings and <c>Persist Security Info=false</c>, with libpq's meaning of the SSL settings translated: <c>require</c>
    /// with a root certificate file becomes <see cref="SslMode.VerifyCA"/>, and <c>sslrootcert=system</c> without a mode
    /// becomes <see cref="SslMode.VerifyFull"/> against the operating system's trust store.
    /// It holds the password in clear (its <c>ConnectionString</c> is a secret), and it lacks what only the factories
    /// enforce: the <see cref="SslPolicy"/>, the TLS 1.2 floor and <see cref="SslMinProtocolVersion"/>/<see cref="SslMaxProtocolVersion"/>,
    /// <see cref="TargetSessionAttributes"/> for a single server (Npgsql accepts it only with several hosts), and
    /// isolation from the <c>PG*</c> environment variables, which Npgsql reads for settings left empty (for example
    /// <c>PGSSLROOTCERT</c> with <see cref="SslMode.VerifyFull"/> and no root certificate). Prefer a factory.
    /// </summary>
    /// <returns>A new builder; changing it does not change these settings.</returns>
    public NpgsqlConnectionStringBuilder ToNpgsqlConnectionStringBuilder()
        => NpgsqlSettingsWriter.ToBuilder(this, Servers, includeTargetSessionAttributes: Servers.Count > 1);

    /// <summary>
    /// These settings as a <c>postgresql://</c> URL that <see cref="FromUrl"/> reads back to equal settings.
    /// </summary>
    /// <param name="includePassword">Include the password (percent-encoded). Off by default: the URL is then safe to log.</param>
    /// <returns>The URL.</returns>
    public string ToUrl(bool includePassword = false) => UrlWriter.Write(this, includePassword ? UrlWriter.PasswordStyle.Include : UrlWriter.PasswordStyle.Omit);

    /// <summary>A redacted URL: the password, if any, shows as <c>***</c>; the SSL key password is never shown.</summary>
    /// <returns>The redacted URL.</returns>
    public override string ToString() => UrlWriter.Write(this, UrlWriter.PasswordStyle.Mask);

    /// <summary>
    /// A redacted, multi-line description: each setting that is set, its value (secrets shown as <c>(set, not shown)</c>)
    /// and where it came from. Suitable for logs and startup banners.
    /// </summary>
    /// <returns>The description.</returns>
    public string Describe()
    {
        var builder = new StringBuilder();
        foreach (var (keyword, value) in UrlWriter.DescribedValues(this))
        {
            var shown = ConnectionParameterCatalog.IsSecret(keyword) ? "(set, not shown)" : value;
            builder.Append(keyword).Append(": ").Append(shown);
            if (_sources.TryGetValue(keyword, out var source))
            {
                builder.Append("  [").Append(source).Append(']');
            }

            builder.Append('\n');
        }

        if (CredentialStatus?.Invoke() is { } credentials)
        {
            builder.Append("credentials: ").Append(credentials).Append('\n');
        }

        return builder.ToString().TrimEnd('\n');
    }

    /// <summary>A builder holding these settings, to derive changed ones (the factory's effective settings).</summary>
    internal ConnectionSettingsBuilder ToBuilder() => new(this);

    internal static string FormatSeconds(TimeSpan value)
        => value == Timeout.InfiniteTimeSpan ? "0" : ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
