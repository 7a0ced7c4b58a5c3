using System.Security.Authentication;
using Npgsql;

namespace PgSecureConnect;

/// <summary>
/// The one way to make <see cref="ConnectionSettings"/>: parsing fills a builder, the factory derives its effective
/// settings from one (<see cref="ConnectionSettings.ToBuilder"/>), and <see cref="Build"/> freezes it. Properties mean
/// what the same-named properties of <see cref="ConnectionSettings"/> mean.
/// </summary>
internal sealed class ConnectionSettingsBuilder
{
    public ConnectionSettingsBuilder()
    {
    }

    public ConnectionSettingsBuilder(ConnectionSettings settings)
    {
        Servers = settings.Servers;
        Database = settings.Database;
        Username = settings.Username;
        Password = settings.Password;
        Passfile = settings.Passfile;
        SslMode = settings.SslMode;
        SslRootCertificate = settings.SslRootCertificate;
        SslCertificate = settings.SslCertificate;
        SslKey = settings.SslKey;
        SslPassword = settings.SslPassword;
        ClientCertificateDisabled = settings.ClientCertificateDisabled;
        UrlFile = settings.UrlFile;
        CredentialStatus = settings.CredentialStatus;
        Warnings = settings.Warnings;
        SslNegotiation = settings.SslNegotiation;
        SslMinProtocolVersion = settings.SslMinProtocolVersion;
        SslMaxProtocolVersion = settings.SslMaxProtocolVersion;
        ChannelBinding = settings.ChannelBinding;
        RequireAuth = settings.RequireAuth;
        GssEncryptionMode = settings.GssEncryptionMode;
        KerberosServiceName = settings.KerberosServiceName;
        ConnectTimeout = settings.ConnectTimeout;
        ApplicationName = settings.ApplicationName;
        Options = settings.Options;
        SearchPath = settings.SearchPath;
        ClientEncoding = settings.ClientEncoding;
        TargetSessionAttributes = settings.TargetSessionAttributes;
        LoadBalanceHosts = settings.LoadBalanceHosts;
        KeepAlives = settings.KeepAlives;
        KeepAlivesIdle = settings.KeepAlivesIdle;
        KeepAlivesInterval = settings.KeepAlivesInterval;
        MinPoolSize = settings.MinPoolSize;
        MaxPoolSize = settings.MaxPoolSize;
        ConnectionIdleLifetime = settings.ConnectionIdleLifetime;
        ConnectionLifetime = settings.ConnectionLifetime;
        PoolTimeout = settings.PoolTimeout;
        PgBouncer = settings.PgBouncer;
        foreach (var (keyword, source) in settings.Sources)
        {
            Sources[keyword] = source;
        }
    }

    public IReadOnlyList<ServerEndpoint> Servers { get; set; } = [];

    public string? Database { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? Passfile { get; set; }

    public SslMode? SslMode { get; set; }

    public string? SslRootCertificate { get; set; }

    public string? SslCertificate { get; set; }

    public string? SslKey { get; set; }

    public string? SslPassword { get; set; }

    public bool ClientCertificateDisabled { get; set; }

    public SettingSource? UrlFile { get; set; }

    public Func<string?>? CredentialStatus { get; set; }

    public IReadOnlyList<string> Warnings { get; set; } = [];

    public SslNegotiation? SslNegotiation { get; set; }

    public SslProtocols? SslMinProtocolVersion { get; set; }

    public SslProtocols? SslMaxProtocolVersion { get; set; }

    public ChannelBinding? ChannelBinding { get; set; }

    public string? RequireAuth { get; set; }

    public GssEncryptionMode? GssEncryptionMode { get; set; }

    public string? KerberosServiceName { get; set; }

    public TimeSpan? ConnectTimeout { get; set; }

    public string? ApplicationName { get; set; }

    public string? Options { get; set; }

    public string? SearchPath { get; set; }

    public string? ClientEncoding { get; set; }

    public TargetSessionAttributes? TargetSessionAttributes { get; set; }

    public bool? LoadBalanceHosts { get; set; }

    public bool? KeepAlives { get; set; }

    public TimeSpan? KeepAlivesIdle { get; set; }

    public TimeSpan? KeepAlivesInterval { get; set; }

    public int? MinPoolSize { get; set; }

    public int? MaxPoolSize { get; set; }

    public TimeSpan? ConnectionIdleLifetime { get; set; }

    public TimeSpan? ConnectionLifetime { get; set; }

    public TimeSpan? PoolTimeout { get; set; }

    public bool PgBouncer { get; set; }

    /// <summary>Where each value came from, keyed by libpq keyword.</summary>
    public Dictionary<string, SettingSource> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <see cref="SslRootCertificate"/> is the special value <c>system</c>.</summary>
    public bool UsesSystemRootCertificates => SslRootCertificate == "system";

    public SettingSource? GetSource(string keyword) => Sources.GetValueOrDefault(keyword);

    public void SetSource(string keyword, SettingSource source) => Sources[keyword] = source;

    public ConnectionSettings Build() => new(this);
}
