using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>
/// A PgBouncer in front of a <see cref="PostgresServer"/> (transaction pooling by default), with the backend's users and
/// passwords. Every database name is routed to the backend. Disposing it stops it and deletes its directory.
/// </summary>
public sealed class PgBouncerServer : IAsyncDisposable, IDisposable
{
    private static readonly string[] SearchDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];
    private readonly PostgresTestBed _bed;
    private int _disposed;

    private PgBouncerServer(PostgresTestBed bed, PostgresServer backend, string directory, string host, int port)
    {
        _bed = bed;
        Backend = backend;
        Directory = directory;
        Host = host;
        Port = port;
    }

    /// <summary>The server PgBouncer forwards to.</summary>
    public PostgresServer Backend { get; }

    /// <summary>The IP address PgBouncer listens on.</summary>
    public string Host { get; }

    /// <summary>PgBouncer's port (not the backend's).</summary>
    public int Port { get; private set; }

    /// <summary>The database to connect to (the backend's).</summary>
    public string Database => Backend.Database;

    /// <summary>The user (the backend's <see cref="PostgresServer.Username"/>; also a PgBouncer admin user for <c>SHOW POOLS</c> on database <c>pgbouncer</c>).</summary>
    public string Username => Backend.Username;

    /// <summary>The user's password.</summary>
    public string Password => Backend.Password;

    /// <summary><c>postgresql://user:password@host:port/database</c> pointing at PgBouncer.</summary>
    public string Url => PostgresServer.BuildUrl(Host, Port, Username, Password, Database);

    /// <summary>An Npgsql connection string to PgBouncer (<c>SSL Mode=Disable</c>, no pooling).</summary>
    public string ConnectionString => PostgresServer.BuildConnectionString(Host, Port, Username, Password, Database);

    /// <summary>PgBouncer's log file.</summary>
    public string LogFilePath => Path.Combine(Directory, "pgbouncer.log");

    /// <summary>PgBouncer's pid while it runs.</summary>
    public int? ProcessId => ReadPid() is { } pid && ProcessTable.IsAlive(pid) ? pid : null;

    internal string Directory { get; }

    private string PidFilePath => Path.Combine(Directory, "pgbouncer.pid");

    private string ConfigPath => Path.Combine(Directory, "pgbouncer.ini");

    /// <summary>
    /// Restarts PgBouncer on the same port and configuration: SIGTERM (PgBouncer's immediate shutdown: every client and
    /// server connection is closed, transactions in flight are lost to their clients), then starts it and waits until it listens.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when PgBouncer accepts connections again.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        StopProcess();
        var command = _bed.ServerUser.Wrap(new CommandLine(FindExecutable(), "-d", "-q", ConfigPath));
        var result = await ProcessRunner.RunAsync(command, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded || !await WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new PostgresTestBedException(string.Create(
                CultureInfo.InvariantCulture,
                $"PgBouncer did not restart on {Host}:{Port} (exit code {result.ExitCode}: {result.Diagnostics}).{LogFile.Describe(LogFilePath)}"));
        }
    }

    /// <summary>Stops PgBouncer (SIGTERM, SIGKILL if it lingers) and deletes its directory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _bed.Forget(this);
        StopProcess();
        LeftoverSweeper.TryDeleteDirectory(Directory);
    }

    /// <inheritdoc cref="Dispose" />
    /// <returns>A task that completes when PgBouncer is gone.</returns>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"PgBouncer {Host}:{Port} -> {Backend.Host}:{Backend.Port}");

    internal static string FindExecutable() =>
        FindExecutable((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(SearchDirectories));

    internal static string FindExecutable(IEnumerable<string> directories)
    {
        var searched = directories.Distinct(StringComparer.Ordinal).ToList();
        var found = searched.Select(d => Path.Combine(d, "pgbouncer")).FirstOrDefault(File.Exists);
        return found ?? throw new PostgresTestBedException(
            $"PgBouncer is not installed: no 'pgbouncer' in {string.Join(", ", searched)}. " +
            "Install it with `apt-get install pgbouncer` (Debian/Ubuntu) or put its directory on PATH.");
    }

    internal static async Task<PgBouncerServer> StartAsync(
        PostgresTestBed bed,
        PostgresServer backend,
        PgBouncerOptions options,
        string directory,
        CancellationToken cancellationToken)
    {
        var executable = FindExecutable();
        var server = new PgBouncerServer(bed, backend, directory, options.ListenAddress, PortAllocator.Allocate());
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await server.WriteConfigurationAsync(options, cancellationToken).ConfigureAwait(false);
                var logOffset = File.Exists(server.LogFilePath) ? new FileInfo(server.LogFilePath).Length : 0;
                var command = bed.ServerUser.Wrap(new CommandLine(executable, "-d", "-q", server.ConfigPath));
                var result = await ProcessRunner.RunAsync(command, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                if (result.Succeeded && await server.WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false))
                {
                    return server;
                }

                server.StopProcess();
                var log = File.Exists(server.LogFilePath) ? File.ReadAllText(server.LogFilePath)[(int)logOffset..] : string.Empty;
                if (attempt < 5 && (log.Contains("Address already in use", StringComparison.Ordinal) || result.Diagnostics.Contains("Address already in use", StringComparison.Ordinal)))
                {
                    server.Port = PortAllocator.Allocate();
                    continue;
                }

                throw new PostgresTestBedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"PgBouncer did not start on {server.Host}:{server.Port} (exit code {result.ExitCode}: {result.Diagnostics}).{LogFile.Describe(server.LogFilePath)}"));
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task WriteConfigurationAsync(PgBouncerOptions options, CancellationToken cancellationToken)
    {
        var backendTarget = string.Create(CultureInfo.InvariantCulture, $"host={Backend.Host} port={Backend.Port}");
        var ini = new StringBuilder()
            .Append("; Written by PgSecureConnect.Testing for a throwaway test PgBouncer.\n")
            .Append("[databases]\n")
            .Append(CultureInfo.InvariantCulture, $"{Backend.Database} = {backendTarget} dbname={Backend.Database}\n")
            .Append(CultureInfo.InvariantCulture, $"* = {backendTarget}\n")
            .Append("[pgbouncer]\n")
            .Append(CultureInfo.InvariantCulture, $"listen_addr = {Host}\n")
            .Append(CultureInfo.InvariantCulture, $"listen_port = {Port}\n")
            .Append("unix_socket_dir =\n")
            .Append("auth_type = scram-sha-256\n")
            .Append(CultureInfo.InvariantCulture, $"auth_file = {Path.Combine(Directory, "userlist.txt")}\n")
            .Append(CultureInfo.InvariantCulture, $"pool_mode = {options.PoolMode.ToString().ToLowerInvariant()}\n")
            .Append(CultureInfo.InvariantCulture, $"default_pool_size = {options.PoolSize}\n")
            .Append("max_client_conn = 500\n")
            .Append(CultureInfo.InvariantCulture, $"admin_users = {Backend.Username}\n")
            .Append(CultureInfo.InvariantCulture, $"stats_users = {Backend.Username}\n")
            .Append(CultureInfo.InvariantCulture, $"logfile = {LogFilePath}\n")
            .Append(CultureInfo.InvariantCulture, $"pidfile = {PidFilePath}\n")
            .Append("ignore_startup_parameters = extra_float_digits,options,search_path\n")
            .Append("server_tls_sslmode = prefer\n")
            .Append("server_login_retry = 1\n");
        var files = new List<string> { ConfigPath, Path.Combine(Directory, "userlist.txt") };
        if (options.ClientTls)
        {
            var certificate = _bed.Certificates.Factory.GetServerCertificate(ServerCertificateKind.Valid, Host);
            files.Add(WritePrivateFile("client-tls.crt", certificate.CertificatePem));
            files.Add(WritePrivateFile("client-tls.key", certificate.PrivateKeyPem));
            ini.Append("client_tls_sslmode = allow\n")
                .Append(CultureInfo.InvariantCulture, $"client_tls_cert_file = {Path.Combine(Directory, "client-tls.crt")}\n")
                .Append(CultureInfo.InvariantCulture, $"client_tls_key_file = {Path.Combine(Directory, "client-tls.key")}\n")
                .Append(CultureInfo.InvariantCulture, $"client_tls_ca_file = {_bed.Certificates.CaCertificatePath}\n");
        }
        else
        {
            ini.Append("client_tls_sslmode = disable\n");
        }

        WritePrivateFile("pgbouncer.ini", ini.ToString());
        WritePrivateFile(
            "userlist.txt",
            $"\"{Backend.Username}\" \"{Backend.Password}\"\n\"{Backend.Md5Username}\" \"{Backend.Md5Password}\"\n");
        await _bed.ServerUser.GiveAsync(files, recursive: false, cancellationToken).ConfigureAwait(false);
    }

    private string WritePrivateFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        UnixFile.MakePrivate(path);
        return path;
    }

    private async Task<bool> WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (ProcessId is not null)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(15, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private int? ReadPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFilePath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void StopProcess()
    {
        if (ProcessId is not { } pid)
        {
            return;
        }

        NativeMethods.Signal(pid, NativeMethods.SigTerm);
        if (!ProcessTable.WaitForExit([pid], TimeSpan.FromSeconds(5)))
        {
            NativeMethods.Signal(pid, NativeMethods.SigKill);
            ProcessTable.WaitForExit([pid], TimeSpan.FromSeconds(5));
        }
    }
}
