using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>
/// Throwaway local PostgreSQL servers for tests, started from the installed server binaries (no Docker):
/// plain, TLS (valid, wrong-name, expired, untrusted certificates), streaming standbys, PgBouncer, network namespaces,
/// and endpoints that refuse or never answer. One test bed is meant to be shared by a whole test run.
/// Disposing it (or the process exiting) stops everything it started and deletes its temporary directory;
/// leftovers of earlier runs that died are swept on start.
/// </summary>
public sealed partial class PostgresTestBed : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly List<PostgresServer> _servers = [];
    private readonly List<PgBouncerServer> _bouncers = [];
    private readonly List<NetworkNamespaceHost> _namespaces = [];
    private readonly List<IDisposable> _endpoints = [];
    private int _counter;
    private int _disposed;

    private PostgresTestBed(
        PostgresInstallation installation,
        ServerUser serverUser,
        ClusterTemplate template,
        string rootDirectory,
        TestCertificates certificates)
    {
        Installation = installation;
        ServerUser = serverUser;
        Template = template;
        RootDirectory = rootDirectory;
        Certificates = certificates;
    }

    /// <summary>The PostgreSQL binaries in use.</summary>
    public PostgresInstallation Installation { get; }

    /// <summary>The CA and client certificate files of this test bed.</summary>
    public TestCertificates Certificates { get; }

    /// <summary>
    /// This test bed's temporary directory, <c>/dev/shm/pgsecure-testbed-PID-RANDOM</c> (tmpfs, when it has 2 GB free),
    /// else under <c>/tmp</c>, or under the directory named by the <c>PGSECURE_TESTBED_DIR</c> environment variable:
    /// servers, PgBouncers, certificates. Deleted on disposal.
    /// </summary>
    public string RootDirectory { get; }

    /// <summary>
    /// How long making the template cluster (initdb and the test roles) took; zero when a test bed alive in this process had
    /// made it already (the template lives while any test bed of the process does).
    /// </summary>
    public TimeSpan TemplateCreationTime { get; private init; }

    internal ServerUser ServerUser { get; }

    internal ClusterTemplate Template { get; }

    /// <summary>
    /// Finds the PostgreSQL binaries, sweeps leftovers of dead earlier runs, makes the template cluster (initdb once per process),
    /// this test bed's temporary directory and its certificates.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The test bed; dispose it when done.</returns>
    /// <exception cref="PostgresNotFoundException">The server binaries are not installed.</exception>
    public static async Task<PostgresTestBed> StartAsync(CancellationToken cancellationToken = default)
    {
        UnixFile.EnsureSupportedPlatform();
        var installation = PostgresInstallation.Find();
        await Task.Run(LeftoverSweeper.SweepOnce, cancellationToken).ConfigureAwait(false);
        var serverUser = await ServerUser.DetectAsync(cancellationToken).ConfigureAwait(false);

        var (template, created) = await ClusterTemplate.AcquireAsync(installation, serverUser, cancellationToken).ConfigureAwait(false);
        var templateTime = created ? template.InitDuration : TimeSpan.Zero;

        string? root = null;
        CertificateFactory? factory = null;
        try
        {
            root = RunDirectory.Create(string.Empty);
            factory = new CertificateFactory();
            var certificatesDirectory = Path.Combine(root, "certs");
            Directory.CreateDirectory(certificatesDirectory);
            var certificates = new TestCertificates(certificatesDirectory, factory);
            var client = factory.CreateClientCertificate(ClusterTemplate.UserName);
            await File.WriteAllTextAsync(certificates.CaCertificatePath, factory.TrustedCaPem, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(certificates.UntrustedCaCertificatePath, factory.UntrustedCaPem, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(certificates.ClientCertificatePath, client.CertificatePem, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(certificates.ClientKeyPath, client.PrivateKeyPem, cancellationToken).ConfigureAwait(false);
            UnixFile.MakePrivate(certificates.ClientKeyPath);

            var bed = new PostgresTestBed(installation, serverUser, template, root, certificates) { TemplateCreationTime = templateTime };
            TestBedRegistry.Register(bed);
            return bed;
        }
        catch
        {
            factory?.Dispose();
            if (root is not null)
            {
                LeftoverSweeper.TryDeleteDirectory(root);
            }

            ClusterTemplate.Release(template);
            throw;
        }
    }

    /// <summary>
    /// Starts a new server: copies the template data directory, writes its configuration and certificates, picks a free port
    /// and waits until it accepts connections (typically well under a second).
    /// </summary>
    /// <param name="options">TLS mode, certificate, listen address, namespace, extra settings; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public async Task<PostgresServer> StartServerAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        options = (options ?? new PostgresServerOptions()).Clone();
        var directory = await CreateServerDirectoryAsync("s", cancellationToken).ConfigureAwait(false);
        var server = new PostgresServer(this, Path.GetFileName(directory), directory, options, PortAllocator.Allocate());
        Track(server, _servers);
        try
        {
            // cp -a keeps the server user's ownership and the 0700 mode PostgreSQL insists on.
            await ProcessRunner.RunCheckedAsync(
                new CommandLine("cp", "-a", Template.DataDirectory, server.DataDirectory),
                TimeSpan.FromMinutes(1),
                cancellationToken).ConfigureAwait(false);
            await server.WriteConfigurationAsync(cancellationToken).ConfigureAwait(false);
            await server.StartCoreAsync(allowPortChange: true, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a streaming replica of <paramref name="primary"/>: <c>pg_basebackup -R</c> over TCP, its own port and directory,
    /// the primary's TLS mode, certificate kind and settings. Returns once the primary's <c>pg_stat_replication</c> shows it
    /// streaming (and, when <see cref="StandbyOptions.Synchronous"/>, with sync_state 'sync').
    /// </summary>
    /// <param name="primary">The server to replicate (running).</param>
    /// <param name="options">Synchronous or not, application name, listen address; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running standby (read-only until <see cref="PostgresServer.PromoteAsync"/>).</returns>
    public async Task<PostgresServer> StartStandbyAsync(PostgresServer primary, StandbyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ThrowIfDisposed();
        options ??= new StandbyOptions();
        var directory = await CreateServerDirectoryAsync("s", cancellationToken).ConfigureAwait(false);
        var name = Path.GetFileName(directory);
        var applicationName = options.ApplicationName ?? "standby_" + name;
        if (!IdentifierPattern().IsMatch(applicationName))
        {
            throw new ArgumentException($"ApplicationName '{applicationName}' must be letters, digits and underscores.", nameof(options));
        }

        var serverOptions = primary.Options.Clone();
        serverOptions.ListenAddress = options.ListenAddress;
        serverOptions.NetworkNamespace = null;
        var standby = new PostgresServer(this, name, directory, serverOptions, PortAllocator.Allocate());
        Track(standby, _servers);
        try
        {
            await FollowAsync(standby, primary, applicationName, options.Synchronous, allowPortChange: true, cancellationToken).ConfigureAwait(false);
            return standby;
        }
        catch
        {
            standby.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Turns a stopped or crashed server into a streaming replica of <paramref name="primary"/> on its own host and port, so
    /// that connection strings naming it stay valid across a failover: its data directory is replaced by a
    /// <c>pg_basebackup -R</c> of <paramref name="primary"/>, it keeps its own options, log file and port, and it is started.
    /// Typically the old primary after its standby was promoted. Returns as <see cref="StartStandbyAsync"/> does, once the
    /// primary's <c>pg_stat_replication</c> shows it streaming (and, when <see cref="StandbyOptions.Synchronous"/>, with
    /// sync_state 'sync'). <see cref="StandbyOptions.ListenAddress"/> is ignored: the server keeps its address.
    /// </summary>
    /// <param name="server">The server to rebuild; must not be running (stop or crash it first).</param>
    /// <param name="primary">The server to replicate (running, not <paramref name="server"/>).</param>
    /// <param name="options">Synchronous or not, application name; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the rebuild.</param>
    /// <returns>A task that completes when the rebuilt standby streams from <paramref name="primary"/>.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="server"/> is running.</exception>
    public async Task RebuildAsStandbyAsync(PostgresServer server, PostgresServer primary, StandbyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(primary);
        ThrowIfDisposed();
        if (ReferenceEquals(server, primary))
        {
            throw new ArgumentException("A server cannot be rebuilt as a standby of itself.", nameof(primary));
        }

        options ??= new StandbyOptions();
        var applicationName = options.ApplicationName ?? "standby_" + server.Name;
        if (!IdentifierPattern().IsMatch(applicationName))
        {
            throw new ArgumentException($"ApplicationName '{applicationName}' must be letters, digits and underscores.", nameof(options));
        }

        await server.Lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (server.IsRunning)
            {
                throw new InvalidOperationException($"Server {server} is running: stop or crash it before rebuilding it as a standby.");
            }

            // The stopped postmaster's lock files and shared memory go with the old data directory.
            server.ForgetStoppedPostmaster();
            LeftoverSweeper.TryDeleteDirectory(server.DataDirectory);
            if (Directory.Exists(server.DataDirectory))
            {
                throw server.Failure("Could not delete the old data directory before the rebuild");
            }

            await FollowAsync(server, primary, applicationName, options.Synchronous, allowPortChange: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            server.Lifecycle.Release();
        }
    }

    /// <summary>
    /// Starts PgBouncer in front of <paramref name="backend"/> (transaction pooling by default) and waits until it listens.
    /// </summary>
    /// <param name="backend">The server to forward to.</param>
    /// <param name="options">Pool mode, pool size, listen address, client TLS; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running PgBouncer.</returns>
    /// <exception cref="PostgresTestBedException">PgBouncer is not installed (the message says how to install it) or did not start.</exception>
    public async Task<PgBouncerServer> StartPgBouncerAsync(PostgresServer backend, PgBouncerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ThrowIfDisposed();
        PgBouncerServer.FindExecutable();
        var directory = await CreateServerDirectoryAsync("b", cancellationToken).ConfigureAwait(false);
        var bouncer = await PgBouncerServer.StartAsync(this, backend, options ?? new PgBouncerOptions(), directory, cancellationToken).ConfigureAwait(false);
        Track(bouncer, _bouncers);
        return bouncer;
    }

    /// <summary>A loopback host and port where nothing listens (the port stays reserved until disposal or the test bed's disposal).</summary>
    /// <returns>The endpoint.</returns>
    public RefusedEndpoint CreateRefusedEndpoint()
    {
        ThrowIfDisposed();
        var endpoint = RefusedEndpoint.Create();
        Track<IDisposable>(endpoint, _endpoints);
        return endpoint;
    }

    /// <summary>A loopback endpoint that accepts TCP connections and never answers a byte (until disposal or the test bed's disposal).</summary>
    /// <returns>The endpoint.</returns>
    public BlackHoleEndpoint StartBlackHole()
    {
        ThrowIfDisposed();
        var endpoint = BlackHoleEndpoint.Start();
        Track<IDisposable>(endpoint, _endpoints);
        return endpoint;
    }

    /// <summary>
    /// A black hole on one loopback address and port, such as <c>127.0.0.2</c> or <c>::1</c> on a server's port: a second
    /// address of a host name whose server listens on <c>127.0.0.1</c>, that accepts and never answers.
    /// </summary>
    /// <param name="address">A loopback address (127.0.0.0/8 or <c>::1</c>): test traffic stays on this machine.</param>
    /// <param name="port">The port, usually a server's.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not a loopback address.</exception>
    public BlackHoleEndpoint StartBlackHole(System.Net.IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!System.Net.IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"{address} is not a loopback address; test traffic stays on 127.0.0.0/8 or ::1.", nameof(address));
        }

        ThrowIfDisposed();
        var endpoint = BlackHoleEndpoint.Start(address, port);
        Track<IDisposable>(endpoint, _endpoints);
        return endpoint;
    }

    /// <summary>
    /// Creates a network namespace joined to this host by a veth pair, with a non-loopback address (<c>10.213.X.2</c>) that this
    /// process can reach; start servers in it with <see cref="PostgresServerOptions.NetworkNamespace"/>. Needs root.
    /// </summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The namespace; disposed with the test bed at the latest.</returns>
    /// <exception cref="PostgresTestBedException">Not root, or iproute2 failed.</exception>
    public async Task<NetworkNamespaceHost> CreateNetworkNamespaceHostAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (!NativeMethods.IsRoot)
        {
            throw new PostgresTestBedException(
                "Network namespace hosts need root (they run `ip netns add` and create a veth pair), but this process is not root. " +
                "Run the tests as root (e.g. in a container or CI job) to use them.");
        }

        var (name, hostInterface, address) = await NetworkNamespaces.CreateAsync(cancellationToken).ConfigureAwait(false);
        var host = new NetworkNamespaceHost(this, name, hostInterface, address);
        Track(host, _namespaces);
        return host;
    }

    /// <summary>Stops every server and PgBouncer, deletes namespaces, closes endpoints, deletes the temporary directory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        TestBedRegistry.Unregister(this);
        PgBouncerServer[] bouncersToStop;
        PostgresServer[] serversToStop;
        NetworkNamespaceHost[] namespacesToDelete;
        IDisposable[] endpointsToClose;
        lock (_gate)
        {
            bouncersToStop = _bouncers.ToArray();
            serversToStop = _servers.ToArray();
            namespacesToDelete = _namespaces.ToArray();
            endpointsToClose = _endpoints.ToArray();
        }

        Parallel.ForEach(bouncersToStop, bouncer => bouncer.Dispose());
        Parallel.ForEach(serversToStop, server => server.Dispose());
        foreach (var host in namespacesToDelete)
        {
            host.Dispose();
        }

        foreach (var endpoint in endpointsToClose)
        {
            endpoint.Dispose();
        }

        LeftoverSweeper.StopProcessesIn(RootDirectory);
        LeftoverSweeper.TryDeleteDirectory(RootDirectory);
        Certificates.Factory.Dispose();
        ClusterTemplate.Release(Template);
    }

    /// <inheritdoc cref="Dispose" />
    /// <returns>A task that completes when everything is gone.</returns>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    internal void Forget(PostgresServer server) => Forget(server, _servers);

    internal void Forget(PgBouncerServer bouncer) => Forget(bouncer, _bouncers);

    internal void Forget(NetworkNamespaceHost host) => Forget(host, _namespaces);

    private void Track<T>(T item, List<T> list)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }

    private void Forget<T>(T item, List<T> list)
    {
        lock (_gate)
        {
            list.Remove(item);
        }
    }

    /// <summary>A new directory for one server or PgBouncer (<c>s3</c>, <c>b4</c>), owned by the server user, mode 0700.</summary>
    private async Task<string> CreateServerDirectoryAsync(string prefix, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _counter);
        var directory = Path.Combine(RootDirectory, prefix + number.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        UnixFile.MakePrivateDirectory(directory);
        await ServerUser.GiveAsync([directory], recursive: false, cancellationToken).ConfigureAwait(false);
        return directory;
    }

    /// <summary>
    /// Fills <paramref name="standby"/>'s (absent) data directory with a <c>pg_basebackup -R</c> of <paramref name="primary"/>,
    /// writes its configuration, starts it and waits until the primary sees it streaming (synchronously when asked).
    /// </summary>
    private async Task FollowAsync(PostgresServer standby, PostgresServer primary, string applicationName, bool synchronous, bool allowPortChange, CancellationToken cancellationToken)
    {
        var conninfo = string.Create(
            CultureInfo.InvariantCulture,
            $"host={primary.Host} port={primary.Port} user={primary.Username} password={primary.Password} application_name={applicationName}");
        var basebackup = new CommandLine(
            Installation.GetToolPath("pg_basebackup"),
            "-D", standby.DataDirectory,
            "-d", conninfo,
            "-X", "stream",
            "-R",
            "-c", "fast",
            "--no-sync");
        var result = await ProcessRunner.RunAsync(ServerUser.Wrap(basebackup), TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw primary.Failure($"pg_basebackup for standby {standby.Name} failed (exit code {result.ExitCode}): {result.Diagnostics}");
        }

        await standby.WriteConfigurationAsync(cancellationToken).ConfigureAwait(false);

        // Later lines win: our own primary_conninfo, and never inherit the primary's synchronous standbys (a promoted
        // standby would otherwise wait forever for a standby of its own).
        await standby.AppendAutoConfAsync(
            $"\n# Added by PgSecureConnect.Testing\nprimary_conninfo = '{conninfo}'\nsynchronous_standby_names = ''\n",
            cancellationToken).ConfigureAwait(false);
        await standby.StartCoreAsync(allowPortChange, cancellationToken).ConfigureAwait(false);

        if (synchronous)
        {
            await primary.AddSynchronousStandbyAsync(applicationName, cancellationToken).ConfigureAwait(false);
        }

        var sql = $"SELECT count(*) FROM pg_stat_replication WHERE application_name = '{applicationName}' AND state = 'streaming'"
            + (synchronous ? " AND sync_state = 'sync'" : string.Empty);
        await primary.WaitUntilAsync(
            async ct => await primary.ExecuteScalarAsync<long>(sql, ct).ConfigureAwait(false) == 1,
            TimeSpan.FromSeconds(60),
            $"standby {standby.Name} ({applicationName}) to be streaming{(synchronous ? " synchronously" : string.Empty)}; standby log:{LogFile.Describe(standby.LogFilePath)}",
            cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);

    [GeneratedRegex("^[A-Za-z0-9_]{1,63}$")]
    private static partial Regex IdentifierPattern();
}
