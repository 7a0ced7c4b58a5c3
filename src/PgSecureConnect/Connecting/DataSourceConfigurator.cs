using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;
using PgSecureConnect.Security;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Builds the factory's <see cref="NpgsqlDataSource"/>s with <see cref="NpgsqlDataSourceBuilder"/>: one pooled
/// single-host data source per server (the factory routes between them), and on request one multi-host data source
/// over all servers for code that needs a single <see cref="NpgsqlDataSource"/>. Root and client certificates are read
/// once here, not per connection. Nothing reaches Npgsql from the process environment: every setting Npgsql would
/// otherwise take from a <c>PG*</c> variable or a file in the home directory is set explicitly, and secrets never
/// enter a connection string (Npgsql exposes and logs it with every secret but <c>Password</c>).
/// </summary>
internal sealed class DataSourceConfigurator : IDisposable
{
    /// <summary>Every authentication method, so that Npgsql does not read <c>PGREQUIREAUTH</c> when none is configured.</summary>
    private const string AnyAuthentication = "Password,MD5,GSS,SSPI,ScramSHA256,None";

    /// <summary>The lowest TLS version when <c>ssl_min_protocol_version</c> is not set: libpq's default since PostgreSQL 14.</summary>
    private const SslProtocols DefaultTlsProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly ConnectionSettings _settings;
    private readonly ConnectionFactoryOptions _options;
    private readonly X509Certificate2Collection? _rootCertificates;
    private readonly ClientCertificate? _clientCertificate;
    private readonly PasswordResolver _passwords;

    public DataSourceConfigurator(ConnectionSettings settings, ConnectionFactoryOptions options, Credentials.CredentialStore credentials)
    {
        _settings = settings;
        _options = options;
        var problems = new ProblemList();
        _rootCertificates = LoadRootCertificates(settings, problems);
        if (settings.SslCertificate is { } certificate && !settings.ClientCertificateDisabled && settings.SslMode != SslMode.Disable)
        {
            _clientCertificate = ClientCertificate.Load(certificate, settings.SslKey, settings.SslPassword, settings.GetSource(LibpqKeyword.SslCert), settings.GetSource(LibpqKeyword.SslKey), problems);
        }

        _passwords = new PasswordResolver(settings, credentials);
        problems.ThrowIfAny();
    }

    /// <summary>
    /// A pooled data source for one server. <paramref name="host"/> receives certificate failures for the attempt report;
    /// <paramref name="user"/> replaces the settings' user name (credentials that changed to another user).
    /// </summary>
    public NpgsqlDataSource BuildSingleHost(HostState? host, ServerEndpoint server, string? user = null)
        => Build([server], includeTargetSessionAttributes: false, host, static b => b.Build(), user, tlsTargetHost: null);

    /// <summary>
    /// A pooled data source for one address of <paramref name="host"/>'s name (<see cref="HostAddresses"/>): it connects
    /// to the address, while TLS keeps the name as its target host, so the certificate is checked against the name
    /// (never against the address) and SNI carries the name, as when Npgsql resolves the name itself.
    /// </summary>
    public NpgsqlDataSource BuildForAddress(HostState host, System.Net.IPAddress address, string? user = null)
        => Build([host.Server with { Host = address.ToString() }], includeTargetSessionAttributes: false, host, static b => b.Build(), user, tlsTargetHost: host.Server.Host);

    /// <summary>A multi-host data source over every server, with Npgsql's own failover.</summary>
    public NpgsqlMultiHostDataSource BuildMultiHost()
        => Build(_settings.Servers, includeTargetSessionAttributes: true, host: null, static b => b.BuildMultiHost(), user: null, tlsTargetHost: null);

    public void Dispose() => _clientCertificate?.Dispose();

    private T Build<T>(IReadOnlyList<ServerEndpoint> servers, bool includeTargetSessionAttributes, HostState? host, Func<NpgsqlDataSourceBuilder, T> build, string? user, string? tlsTargetHost)
    {
        var builder = Configure(servers, includeTargetSessionAttributes, host, user, tlsTargetHost);
        try
        {
            return build(builder);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException && _options.ConfigureDataSource is not null)
        {
            // Npgsql validates the builder here; with a hook in play, the hook is the likely cause.
            throw new ConnectionConfigurationException([new ConfigurationProblem("ConfigureDataSource", HookSource,
                $"Npgsql refused the data source as ConfigureDataSource left it: {e.Message}")]);
        }
    }

    private static SettingSource HookSource => new(SettingSourceKind.Policy, "ConfigureDataSource", "ConnectionFactoryOptions.ConfigureDataSource");

    private NpgsqlDataSourceBuilder Configure(IReadOnlyList<ServerEndpoint> servers, bool includeTargetSessionAttributes, HostState? host, string? user, string? tlsTargetHost)
    {
        var connectionString = NpgsqlSettingsWriter.ToBuilder(_settings, servers, includeTargetSessionAttributes);
        if (user is not null)
        {
            connectionString.Username = user;
        }

        var effective = _settings.SslMode ?? SslMode.Prefer;

        // Verification is done by ServerCertificateValidator with the root certificates read once above: Npgsql does
        // not allow a validation callback with VerifyCA/VerifyFull, and would read a RootCertificate path per connection.
        connectionString.RootCertificate = null;
        if (effective is SslMode.VerifyCA or SslMode.VerifyFull)
        {
            connectionString.SslMode = SslMode.Require;
        }

        // Secrets reach Npgsql through callbacks only: the password provider below and the client certificate loaded
        // above. An unencrypted client key may stay with Npgsql (it then reads no PGSSLCERT/PGSSLKEY or home files).
        connectionString.Password = null;
        connectionString.Passfile = null;
        connectionString.SslPassword = null;
        if (_clientCertificate is null || _settings.SslPassword is not null)
        {
            connectionString.SslCertificate = null;
            connectionString.SslKey = null;
        }

        BlockEnvironmentFallbacks(connectionString, includeTargetSessionAttributes && servers.Count > 1);
        BoundFirstAttempt(connectionString);

        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString)
        {
            // A stable name without secrets: Npgsql otherwise names a data source (and tags its metrics,
            // db.client.connection.pool.name) with its connection string.
            Name = Diagnostics.TelemetryTags.DataSourceName(_options.Name, tlsTargetHost is null ? servers : [host!.Server]) + (tlsTargetHost is null ? string.Empty : $" ({servers[0].Host})"),
        };
        if (_options.LoggerFactory is { } loggerFactory)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        builder.UsePasswordProvider(_passwords.GetPassword, _passwords.GetPasswordAsync);
        var ours = TlsCallback(effective, host, tlsTargetHost);
        builder.UseSslClientAuthenticationOptionsCallback(ours);

        if (_options.ConfigureDataSource is { } hook)
        {
            var problems = new ProblemList();
            var before = ConfigureDataSourceGuard.Snapshot(builder);
            hook(builder);
            var callers = ConfigureDataSourceGuard.Inspect(builder, before, ours, problems);
            problems.ThrowIfAny();

            // Installed last, whatever the hook did: the caller's TLS callback runs first and cannot undo verification.
            builder.UseSslClientAuthenticationOptionsCallback(callers is null ? ours : ConfigureDataSourceGuard.Compose(callers, ours));
        }

        return builder;
    }

    /// <summary>
    /// Npgsql falls back to <c>PGUSER</c>, <c>PGPASSWORD</c>, <c>PGAPPNAME</c>, <c>PGOPTIONS</c>, <c>PGCLIENTENCODING</c>,
    /// <c>PGSSLNEGOTIATION</c>, <c>PGREQUIREAUTH</c> and <c>PGTARGETSESSIONATTRS</c> when a setting is absent; the
    /// factory's settings already hold whatever of those applies (read by the library, with their source), so each is
    /// given explicitly. See docs/security.md for the one Npgsql cannot be kept from (<c>PGTZ</c>).
    /// </summary>
    private void BlockEnvironmentFallbacks(NpgsqlConnectionStringBuilder builder, bool multiHost)
    {
        builder.Username ??= Environment.UserName;

        // An empty value does not survive Npgsql's connection string round trip, so only a variable that is really set
        // gets a stand-in: a blank options string (no switches), and the program's name as application name, which is
        // what libpq programs pass as fallback_application_name.
        if (string.IsNullOrEmpty(builder.ApplicationName) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PGAPPNAME")))
        {
            builder.ApplicationName = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "PgSecureConnect";
        }

        if (string.IsNullOrEmpty(builder.Options) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PGOPTIONS")))
        {
            builder.Options = " ";
        }

        builder.ClientEncoding ??= "UTF8";
        builder.SslNegotiation = _settings.SslNegotiation ?? SslNegotiation.Postgres;
        builder.RequireAuth ??= AnyAuthentication;
        if (multiHost)
        {
            builder.TargetSessionAttributes ??= "any";
        }
    }

    /// <summary>
    /// Npgsql's Timeout bounds the first attempt, which runs without a deadline token (no allocation on the fast path):
    /// never let it exceed the overall timeout.
    /// </summary>
    private void BoundFirstAttempt(NpgsqlConnectionStringBuilder connectionString)
    {
        var overall = _settings.PoolTimeout ?? _options.Retry.OverallTimeout;
        if (overall != Timeout.InfiniteTimeSpan)
        {
            // Whole seconds, rounded down: the first attempt must end within the overall deadline (under 1 s, Npgsql's
            // granularity wins and the first attempt may take up to 1 s). Npgsql's limit is 1024 s.
            var overallSeconds = (int)Math.Clamp(Math.Floor(overall.TotalSeconds), 1, ConnectionLimits.MaxConnectTimeoutSeconds);
            if (connectionString.Timeout == 0 || connectionString.Timeout > overallSeconds)
            {
                connectionString.Timeout = overallSeconds;
            }
        }
    }

    private Action<SslClientAuthenticationOptions> TlsCallback(SslMode effective, HostState? host, string? targetHost)
    {
        var validator = new ServerCertificateValidator(effective, _rootCertificates, _options.TimeProvider)
        {
            Rejected = host is null ? null : (_, reason) => host.RecordCertificateRejection(reason),
            Observed = host is null ? null : certificate => host.Certificate = certificate,
        };
        var protocols = TlsProtocols(_settings);
        var chainPolicy = ServerCertificateValidator.CreateSystemChainPolicy();
        var clientCertificate = _clientCertificate?.Context;
        return authentication =>
        {
            authentication.RemoteCertificateValidationCallback = validator.Validate;
            authentication.EnabledSslProtocols = protocols;
            // .NET builds a chain before the callback runs, in every mode: never let it download anything (AIA).
            authentication.CertificateChainPolicy = chainPolicy.Clone();

            // Only the configured client certificate is ever presented: not one Npgsql found through PGSSLCERT or
            // ~/.postgresql, and none at all with sslcertmode=disable.
            authentication.ClientCertificates = null;
            authentication.LocalCertificateSelectionCallback = null;
            authentication.ClientCertificateContext = clientCertificate;

            // A data source of one address of a host name: verify-full checks the name, and SNI sends it. Set here,
            // in the callback that runs last, so that no caller's callback can move it (ConfigureDataSourceGuard).
            if (targetHost is not null)
            {
                authentication.TargetHost = targetHost;
            }
        };
    }

    private static SslProtocols TlsProtocols(ConnectionSettings settings)
    {
        if (settings.SslMinProtocolVersion is null && settings.SslMaxProtocolVersion is null)
        {
            return DefaultTlsProtocols;
        }

        var min = settings.SslMinProtocolVersion ?? SslProtocols.Tls12;
        var max = settings.SslMaxProtocolVersion ?? SslProtocols.Tls13;
        var enabled = SslProtocols.None;
        foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
        {
            if (protocol >= min && protocol <= max)
            {
                enabled |= protocol;
            }
        }

        return enabled;
    }

    private static X509Certificate2Collection? LoadRootCertificates(ConnectionSettings settings, ProblemList problems)
    {
        if (settings.SslRootCertificate is not { } path || settings.UsesSystemRootCertificates || settings.SslMode == SslMode.Disable)
        {
            return null;
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0)
            {
                throw new CryptographicException("no certificate in the file");
            }

            return certificates;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var reason = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "cannot be read by this process",
                _ => "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            };
            problems.Add(LibpqKeyword.SslRootCert, settings.GetSource(LibpqKeyword.SslRootCert),
                $"the root certificate file '{path}' {reason}; point sslrootcert (DB_SSLROOTCERT) at the PEM file of the CA that signed the server's certificate, or use sslrootcert=system for a public CA");
            return null;
        }
    }
}
