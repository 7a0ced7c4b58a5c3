using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect;

/// <summary>
/// What the caller decides in code when creating a factory. The connection settings themselves (host, password,
/// <c>sslmode</c>, pool size, ...) come from the URL, the variables or the configuration; pool values given here are
/// defaults that those sources override, so operators can tune a deployment without a rebuild.
/// </summary>
public sealed class ConnectionFactoryOptions
{
    /// <summary>What SSL modes are acceptable for remote servers.</summary>
    /// <value>The default value is <see cref="PgSecureConnect.SslPolicy.RequireEncryption"/>.</value>
    public SslPolicy SslPolicy { get; set; } = SslPolicy.RequireEncryption;

    /// <summary>How opening a connection is retried across the servers.</summary>
    /// <value>The default value is <see cref="RetryPolicy.Default"/>.</value>
    public RetryPolicy Retry { get; set; } = RetryPolicy.Default;

    /// <summary>
    /// The <c>.env</c> file read by <see cref="ConnectionFactory.FromEnvironment(ConnectionFactoryOptions?)"/>. When set, the file must exist.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <c>.env</c> in the current directory, used only if it exists.</value>
    public string? EnvFilePath { get; set; }

    /// <summary>
    /// A prefix for every variable name, for applications with several databases: <c>ORDERS_</c> reads
    /// <c>ORDERS_DATABASE_URL</c>, <c>ORDERS_DB_HOST</c>, and so on. With a prefix the shared libpq <c>PG*</c>
    /// variables are not read, since they cannot say which database they are meant for.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no prefix).</value>
    public string? VariablePrefix { get; set; }

    /// <summary>The name under <c>ConnectionStrings</c> read by <see cref="ConnectionFactory.FromConfiguration"/>.</summary>
    /// <value>The default value is <c>Default</c>.</value>
    public string ConnectionStringName { get; set; } = ConnectionDefaults.ConnectionStringName;

    /// <summary>The logger factory for PgSecureConnect's own events and for Npgsql's.</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock used for retry delays, deadlines and host rechecks.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Called for each <see cref="NpgsqlDataSourceBuilder"/> after PgSecureConnect has configured it, for type mappings,
    /// JSON options, Npgsql settings without a libpq counterpart (<c>builder.ConnectionStringBuilder.CommandTimeout</c>)
    /// and the like. It cannot weaken security: a callback set with
    /// <see cref="NpgsqlDataSourceBuilder.UseSslClientAuthenticationOptionsCallback"/> runs first and the factory's
    /// certificate check must still accept (the TLS version floor and client certificate are the factory's); changing
    /// the host, port, user, password, SSL or authentication settings here, or setting root certificates or the
    /// obsolete certificate callbacks, is refused with a <see cref="ConnectionConfigurationException"/> that names the
    /// libpq keyword to set instead.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; set; }

    /// <summary>The maximum number of pooled connections per server, unless the settings give one.</summary>
    /// <value>The default value is <see langword="null"/>: Npgsql's default, 100.</value>
    public int? MaxPoolSize { get; set; }

    /// <summary>The minimum number of pooled connections per server, unless the settings give one.</summary>
    /// <value>The default value is <see langword="null"/>: Npgsql's default, 0.</value>
    public int? MinPoolSize { get; set; }

    /// <summary>How long an idle pooled connection is kept, unless the settings give a value.</summary>
    /// <value>The default value is <see langword="null"/>: Npgsql's default, 300 seconds.</value>
    public TimeSpan? ConnectionIdleLifetime { get; set; }

    /// <summary>The maximum age of a pooled connection, unless the settings give a value.</summary>
    /// <value>The default value is <see langword="null"/>: no limit.</value>
    public TimeSpan? ConnectionLifetime { get; set; }

    /// <summary>The application name reported to the server, unless the settings give one.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ApplicationName { get; set; }

    /// <summary>
    /// The factory's name in telemetry (the tag <c>pgsecureconnect.factory.name</c>) and the prefix of each server's
    /// data source name (<see cref="NpgsqlDataSourceBuilder.Name"/>, Npgsql's <c>db.client.connection.pool.name</c>):
    /// <c>orders</c> names the data sources <c>orders/db1.example.com:5432</c>, and so on. Must not hold secrets.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the server list, such as <c>db1.example.com:5432</c>.</value>
    public string? Name { get; set; }

    /// <summary>
    /// Whether every open gets a span (activity <c>PgSecureConnect.Open</c> of the source <c>PgSecureConnect</c>) while
    /// someone listens; otherwise only opens that needed more than one attempt get one.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool TraceEveryOpen { get; set; }

    /// <summary>
    /// Supplies the user name and password (or an access token: Azure Entra ID, AWS RDS IAM) for a server, for
    /// credentials that change while the application runs. Called when a new physical connection needs a password and
    /// no current credentials are held, every <see cref="CredentialRefreshInterval"/>, and after the server refuses
    /// authentication; never on a pooled open, never logged. Takes precedence over a password in the settings.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: credentials come from the settings (and are re-read from
    /// <c>DB_PASSWORD_FILE</c>, <c>DB_USER_FILE</c> or <c>DATABASE_URL_FILE</c> when those files change).</value>
    public Func<ServerEndpoint, CancellationToken, ValueTask<DatabaseCredentials>>? CredentialProvider { get; set; }

    /// <summary>How often <see cref="CredentialProvider"/> is asked again, in the background, for fresh credentials.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan CredentialRefreshInterval { get; set; } = ConnectionDefaults.CredentialRefreshInterval;

    /// <summary>
    /// When credentials change (a secret file is rewritten, the provider returns new ones), clear the pools so that
    /// connections opened with the old credentials are closed as soon as they are returned, instead of living on until
    /// their idle or maximum lifetime. Useful when the old user is about to be dropped.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool DrainConnectionsOnCredentialChange { get; set; }
}
