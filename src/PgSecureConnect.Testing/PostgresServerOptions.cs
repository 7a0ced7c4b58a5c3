namespace PgSecureConnect.Testing;

/// <summary>What kind of server <see cref="PostgresTestBed.StartServerAsync"/> starts.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>The TLS setting and pg_hba.conf connection types. Default <see cref="ServerTlsMode.On"/>.</summary>
    public ServerTlsMode Tls { get; set; } = ServerTlsMode.On;

    /// <summary>The certificate the server presents (when TLS is not off). Default <see cref="ServerCertificateKind.Valid"/>.</summary>
    public ServerCertificateKind Certificate { get; set; } = ServerCertificateKind.Valid;

    /// <summary>
    /// The IP address the server listens on. Default <c>127.0.0.1</c>; any <c>127.x.y.z</c> works on Linux's loopback,
    /// which gives each server a host of its own. With a <see cref="NetworkNamespace"/> and this left at the default,
    /// the namespace's <see cref="NetworkNamespaceHost.Address"/> is used.
    /// </summary>
    public string ListenAddress { get; set; } = DefaultListenAddress;

    /// <summary>Run the server inside this network namespace (see <see cref="PostgresTestBed.CreateNetworkNamespaceHostAsync"/>).</summary>
    public NetworkNamespaceHost? NetworkNamespace { get; set; }

    /// <summary>Extra postgresql.conf settings (name to value; values are written quoted), applied after the test bed's own.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    internal const string DefaultListenAddress = "127.0.0.1";

    internal string EffectiveListenAddress =>
        NetworkNamespace is not null && ListenAddress == DefaultListenAddress ? NetworkNamespace.Address : ListenAddress;

    internal PostgresServerOptions Clone()
    {
        var clone = new PostgresServerOptions
        {
            Tls = Tls,
            Certificate = Certificate,
            ListenAddress = ListenAddress,
            NetworkNamespace = NetworkNamespace,
        };
        foreach (var pair in Settings)
        {
            clone.Settings[pair.Key] = pair.Value;
        }

        return clone;
    }
}
