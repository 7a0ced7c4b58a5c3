using System.Globalization;
using System.Text;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// Writes a test server's configuration into its data directory: postgresql.conf, pg_hba.conf, the TLS files
/// (server.crt, server.key, root.crt) and additions to postgresql.auto.conf, each owned by the server's user.
/// </summary>
internal sealed class ServerConfigurationFiles(PostgresTestBed bed, PostgresServer server)
{
    /// <summary>Writes postgresql.conf, pg_hba.conf and the certificates into the data directory.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var written = new List<string>
        {
            WriteFile("postgresql.conf", BuildPostgresqlConf()),
            WriteFile("pg_hba.conf", BuildPgHbaConf()),
        };

        var certificate = bed.Certificates.Factory.GetServerCertificate(server.Options.Certificate, server.Host);
        written.Add(WriteFile("server.crt", certificate.CertificatePem));
        written.Add(WriteFile("server.key", certificate.PrivateKeyPem));
        written.Add(WriteFile("root.crt", bed.Certificates.Factory.TrustedCaPem));
        await bed.ServerUser.GiveAsync(written, recursive: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends lines to postgresql.auto.conf (later lines win over earlier ones).</summary>
    public async Task AppendAutoConfAsync(string text, CancellationToken cancellationToken)
    {
        var path = Path.Combine(server.DataDirectory, "postgresql.auto.conf");
        await File.AppendAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
        await bed.ServerUser.GiveAsync([path], recursive: false, cancellationToken).ConfigureAwait(false);
    }

    private static string QuoteSetting(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(server.DataDirectory, name);
        File.WriteAllText(path, content);
        UnixFile.MakePrivate(path);
        return path;
    }

    private string BuildPostgresqlConf()
    {
        var options = server.Options;
        var settings = new List<(string Name, string Value)>
        {
            ("listen_addresses", server.Host),
            ("port", server.Port.ToString(CultureInfo.InvariantCulture)),
            ("unix_socket_directories", server.UnixSocketDirectory),
            ("max_connections", "100"),
            ("shared_buffers", "16MB"),
            ("dynamic_shared_memory_type", "mmap"), // in the data directory: nothing left in /dev/shm after a crash
            ("fsync", "off"),
            ("full_page_writes", "off"),
            ("wal_level", "replica"),
            ("max_wal_senders", "10"),
            ("wal_keep_size", "32MB"),
            ("min_wal_size", "4MB"),
            ("max_wal_size", "64MB"),
            ("hot_standby", "on"),
            ("autovacuum", "off"),
            ("jit", "off"),
            ("password_encryption", "scram-sha-256"),
            ("ssl", options.Tls == ServerTlsMode.Off ? "off" : "on"),
            ("ssl_cert_file", "server.crt"),
            ("ssl_key_file", "server.key"),
            ("ssl_ca_file", "root.crt"),
            ("log_destination", "stderr"),
            ("logging_collector", "off"),
            ("log_line_prefix", "%m [%p] %q%a@%d "),
            ("log_connections", "on"),
            ("lc_messages", "C"),
            ("datestyle", "iso, mdy"),
            ("timezone", "UTC"),
            ("log_timezone", "UTC"),
        };
        settings.AddRange(options.Settings.Select(pair => (pair.Key, pair.Value)));

        var text = new StringBuilder("# Written by PgSecureConnect.Testing for a throwaway test server.\n");
        foreach (var (name, value) in settings)
        {
            text.Append(name).Append(" = ").Append(QuoteSetting(value)).Append('\n');
        }

        return text.ToString();
    }

    private string BuildPgHbaConf()
    {
        var tls = server.Options.Tls;
        var type = tls switch
        {
            ServerTlsMode.HostSslOnly => "hostssl",
            ServerTlsMode.HostNoSslOnly => "hostnossl",
            _ => "host",
        };
        return $"""
            # Written by PgSecureConnect.Testing ({tls}).
            # TYPE   DATABASE     USER         ADDRESS  METHOD
            local    all          all                   scram-sha-256
            local    replication  all                   scram-sha-256
            {type}   all          {server.Md5Username}  all      md5
            {type}   all          all          all      scram-sha-256
            {type}   replication  all          all      scram-sha-256

            """;
    }
}
