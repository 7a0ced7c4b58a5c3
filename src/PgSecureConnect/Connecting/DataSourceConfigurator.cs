using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Parsing;
using PgSecureConnect.Security;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Builds the factory's <see cref="NpgsqlDataSource"/>s with <see cref="NpgsqlDataSourceBuilder"/>: one pooled
/// single-host data source per server (the factory routes between them), and on request one multi-host data source
/// over all servers for code that needs a single <see cref="NpgsqlDataSource"/>. Root certificates are read once here,
/// not per connection.
/// </summary>
internal sealed class DataSourceConfigurator
{
    private readonly ConnectionSettings _settings;
    private readonly ConnectionFactoryOptions _options;
    private readonly X509Certificate2Collection? _rootCertificates;

    public DataSourceConfigurator(ConnectionSettings settings, ConnectionFactoryOptions options)
    {
        _settings = settings;
        _options = options;
        _rootCertificates = LoadRootCertificates(settings);
    }

    /// <summary>A pooled data source for one server. <paramref name="host"/> receives certificate failures for the attempt report.</summary>
    public NpgsqlDataSource BuildSingleHost(HostState? host, ServerEndpoint server)
        => Configure([server], includeTargetSessionAttributes: false, host).Build();

    /// <summary>A multi-host data source over every server, with Npgsql's own failover.</summary>
    public NpgsqlMultiHostDataSource BuildMultiHost()
        => Configure(_settings.Servers, includeTargetSessionAttributes: true, host: null).BuildMultiHost();

    private NpgsqlDataSourceBuilder Configure(IReadOnlyList<ServerEndpoint> servers, bool includeTargetSessionAttributes, HostState? host)
    {
        var connectionString = NpgsqlSettingsWriter.ToBuilder(_settings, servers, includeTargetSessionAttributes);
        var effective = _settings.SslMode ?? SslMode.Prefer;

        // Verification is done by ServerCertificateValidator with the root certificates read once above: Npgsql does
        // not allow a validation callback with VerifyCA/VerifyFull, and would read a RootCertificate path per connection.
        connectionString.RootCertificate = null;
        if (effective is SslMode.VerifyCA or SslMode.VerifyFull)
        {
            connectionString.SslMode = SslMode.Require;
        }

        // Npgsql's Timeout bounds the first attempt, which runs without a deadline token (no allocation on the fast
        // path): never let it exceed the overall timeout.
        var overall = _settings.PoolTimeout ?? _options.Retry.OverallTimeout;
        if (overall != Timeout.InfiniteTimeSpan)
        {
            // Whole seconds, rounded down: the first attempt must end within the overall deadline (under 1 s, Npgsql's
            // granularity wins and the first attempt may take up to 1 s).
            var overallSeconds = Math.Max(1, (int)Math.Floor(overall.TotalSeconds));
            if (connectionString.Timeout == 0 || connectionString.Timeout > overallSeconds)
            {
                connectionString.Timeout = overallSeconds;
            }
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        if (_options.LoggerFactory is { } loggerFactory)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        if (effective != SslMode.Disable)
        {
            var validator = new ServerCertificateValidator(effective, _rootCertificates)
            {
                Rejected = host is null ? null : (_, reason) => host.LastCertificateFailure = reason,
                Observed = host is null ? null : certificate => host.Certificate = certificate,
            };
            var protocols = TlsProtocols(_settings);
            builder.UseSslClientAuthenticationOptionsCallback(authentication =>
            {
                authentication.RemoteCertificateValidationCallback = validator.Validate;
                if (protocols is { } enabled)
                {
                    authentication.EnabledSslProtocols = enabled;
                }
            });
        }

        builder.Name = Diagnostics.TelemetryTags.DataSourceName(_options.Name, servers);
        _options.ConfigureDataSource?.Invoke(builder);
        CheckCallerChanges(builder.ConnectionStringBuilder, servers, connectionString.SslMode);
        return builder;
    }

    /// <summary><see cref="ConnectionFactoryOptions.ConfigureDataSource"/> may not weaken what the policy decided.</summary>
    private void CheckCallerChanges(NpgsqlConnectionStringBuilder configured, IReadOnlyList<ServerEndpoint> servers, SslMode given)
    {
        if (_options.SslPolicy == SslPolicy.AllowInsecure || servers.All(s => s.IsLocal) || configured.SslMode == given)
        {
            return;
        }

        if (SslModeResolver.MayBePlaintext(configured.SslMode))
        {
            throw new ConnectionConfigurationException([new ConfigurationProblem("sslmode", new SettingSource(SettingSourceKind.Policy, "sslmode", "ConnectionFactoryOptions.ConfigureDataSource"),
                $"ConfigureDataSource set SSL Mode to {configured.SslMode}, which SslPolicy.{_options.SslPolicy} does not allow for remote servers; set the mode in the connection settings, or choose another SslPolicy")]);
        }
    }

    private static SslProtocols? TlsProtocols(ConnectionSettings settings)
    {
        if (settings.SslMinProtocolVersion is null && settings.SslMaxProtocolVersion is null)
        {
            return null;
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

    private static X509Certificate2Collection? LoadRootCertificates(ConnectionSettings settings)
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
            throw new ConnectionConfigurationException([new ConfigurationProblem("sslrootcert", settings.GetSource("sslrootcert"),
                $"the root certificate file '{path}' {reason}; point sslrootcert (DB_SSLROOTCERT) at the PEM file of the CA that signed the server's certificate, or use sslrootcert=system for a public CA")]);
        }
    }
}
