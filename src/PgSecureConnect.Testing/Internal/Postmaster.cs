using System.Globalization;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// Controls a test server's postmaster: <c>pg_ctl</c> start, stop and promote, SIGKILL, SIGSTOP/SIGCONT, and the
/// lock files a dead postmaster leaves. Knows the postmaster's pid and whether it is frozen; the caller serializes
/// the lifecycle (<see cref="PostgresServer"/> holds a lock around every call that starts or stops it).
/// </summary>
internal sealed class Postmaster(PostgresTestBed bed, PostgresServer server)
{
    private static readonly TimeSpan PgCtlTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private int? _pid;
    private volatile bool _frozen;

    /// <summary>The postmaster's pid while it is alive.</summary>
    public int? ProcessId => _pid is { } p && ProcessTable.IsAlive(p) ? p : null;

    public bool IsFrozen => _frozen;

    /// <summary>
    /// Starts the postmaster with <c>pg_ctl start -w</c>. Returns null once it runs; otherwise (nothing half-started is
    /// left running) what failed, and whether the log says the port was taken.
    /// </summary>
    public async Task<StartFailure?> TryStartAsync(CancellationToken cancellationToken)
    {
        RemoveStalePidFile();
        var logOffset = File.Exists(server.LogFilePath) ? new FileInfo(server.LogFilePath).Length : 0;
        var start = new CommandLine(
            bed.Installation.GetToolPath("pg_ctl"),
            "start",
            "-D", server.DataDirectory,
            "-l", server.LogFilePath,
            "-w",
            "-t", ((int)PgCtlTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-s");
        var command = bed.ServerUser.Wrap(start);
        if (server.Options.NetworkNamespace is { } networkNamespace)
        {
            command = command.InNetworkNamespace(networkNamespace.Name);
        }

        var result = await RunPgCtlAsync(command, cancellationToken).ConfigureAwait(false);
        var info = PostmasterPidFile.Read(server.DataDirectory);
        if (result.Succeeded && info is not null && info.IsPostmasterAlive)
        {
            _pid = info.Pid;
            return null;
        }

        // pg_ctl gave up or the server died: make sure nothing half-started stays behind.
        if (info is not null && info.IsPostmasterAlive)
        {
            ServerProcesses.Shutdown(info.Pid, TimeSpan.FromSeconds(5));
        }

        var newLog = ReadLogFrom(logOffset);
        return new StartFailure(
            newLog.Contains("Address already in use", StringComparison.Ordinal),
            $"The server did not start (pg_ctl exit code {result.ExitCode}: {result.Diagnostics})");
    }

    /// <summary>Stops the postmaster with <c>pg_ctl stop -m fast|immediate</c> (thawed first) and waits until it is gone.</summary>
    public async Task StopAsync(StopMode mode, CancellationToken cancellationToken)
    {
        if (ProcessId is null)
        {
            _pid = null;
            return;
        }

        Thaw();
        var stop = new CommandLine(
            bed.Installation.GetToolPath("pg_ctl"),
            "stop",
            "-D", server.DataDirectory,
            "-m", mode == StopMode.Immediate ? "immediate" : "fast",
            "-w",
            "-t", ((int)PgCtlTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        var result = await RunPgCtlAsync(bed.ServerUser.Wrap(stop), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && ProcessId is not null)
        {
            throw server.Failure($"pg_ctl stop -m {mode} failed: {result.Diagnostics}");
        }

        await WaitUntilGoneAsync(_pid, cancellationToken).ConfigureAwait(false);
        _pid = null;
    }

    /// <summary>SIGKILLs the postmaster and all its processes and waits until they are gone; does nothing when it is not running.</summary>
    public async Task CrashAsync(CancellationToken cancellationToken)
    {
        if (ProcessId is not { } postmaster)
        {
            return;
        }

        var killed = ServerProcesses.Kill(postmaster);
        _frozen = false;
        if (!await ProcessTable.WaitForExitAsync(killed, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false))
        {
            throw server.Failure("Processes of the server were still alive 15 s after SIGKILL");
        }

        _pid = null;
    }

    /// <summary>SIGSTOPs the postmaster and all its processes.</summary>
    public void Freeze()
    {
        if (ProcessId is not { } postmaster)
        {
            throw server.Failure("Cannot freeze a server that is not running");
        }

        ServerProcesses.Freeze(postmaster);
        _frozen = true;
    }

    /// <summary>SIGCONTs what <see cref="Freeze"/> stopped; does nothing when not frozen.</summary>
    public void Thaw()
    {
        if (_frozen && _pid is { } postmaster)
        {
            ServerProcesses.Thaw(postmaster);
        }

        _frozen = false;
    }

    /// <summary>Runs <c>pg_ctl promote -w</c>.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken)
    {
        var promote = new CommandLine(
            bed.Installation.GetToolPath("pg_ctl"),
            "promote",
            "-D", server.DataDirectory,
            "-w",
            "-t", ((int)PgCtlTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        var result = await RunPgCtlAsync(bed.ServerUser.Wrap(promote), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw server.Failure($"pg_ctl promote failed: {result.Diagnostics}");
        }
    }

    /// <summary>Shuts the postmaster down at once (immediate shutdown, SIGKILL if it lingers) and removes what a crash left.</summary>
    public void ShutDownNow()
    {
        var info = PostmasterPidFile.Read(server.DataDirectory);
        if (info is not null && info.IsPostmasterAlive)
        {
            ServerProcesses.Shutdown(info.Pid, TimeSpan.FromSeconds(5));
        }
        else if (_pid is { } known && ProcessTable.IsAlive(known))
        {
            ServerProcesses.Shutdown(known, TimeSpan.FromSeconds(5));
        }

        if (info is not null && !ProcessTable.IsAlive(info.Pid) && File.Exists(Path.Combine(server.DataDirectory, "postmaster.pid")))
        {
            // Left behind by a crash: the postmaster could not remove its shared memory segment.
            ServerProcesses.RemoveSharedMemory(info.SharedMemoryId);
        }

        _pid = null;
        _frozen = false;
    }

    /// <summary>Runs a pg_ctl command; if even its own -t limit fails to end it, the timeout error gets the server's log tail.</summary>
    private async Task<ProcessResult> RunPgCtlAsync(CommandLine command, CancellationToken cancellationToken)
    {
        try
        {
            return await ProcessRunner.RunAsync(command, CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresTestBedException exception)
        {
            throw new PostgresTestBedException($"{exception.Message}{Environment.NewLine}Server {server}.{LogFile.Describe(server.LogFilePath)}", exception);
        }
    }

    private async Task WaitUntilGoneAsync(int? postmaster, CancellationToken cancellationToken)
    {
        if (postmaster is { } p && !await ProcessTable.WaitForExitAsync([p], TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
        {
            throw server.Failure("The postmaster was still alive 30 s after pg_ctl stop");
        }
    }

    /// <summary>
    /// Lock files of a postmaster that is gone (crash) make the next start fail as long as the dead postmaster is a zombie
    /// not yet reaped (PostgreSQL's kill(pid, 0) check sees it as alive): remove postmaster.pid, the shared memory segment
    /// it names, and the Unix socket's lock file.
    /// </summary>
    private void RemoveStalePidFile()
    {
        var info = PostmasterPidFile.Read(server.DataDirectory);
        if (info is not null && !info.IsPostmasterAlive)
        {
            ServerProcesses.RemoveSharedMemory(info.SharedMemoryId);
            File.Delete(Path.Combine(server.DataDirectory, "postmaster.pid"));
        }

        var socketLock = Path.Combine(server.UnixSocketDirectory, string.Create(CultureInfo.InvariantCulture, $".s.PGSQL.{server.Port}.lock"));
        try
        {
            var firstLine = File.Exists(socketLock) ? File.ReadLines(socketLock).FirstOrDefault() : null;
            if (firstLine is not null
                && int.TryParse(firstLine.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lockPid)
                && !ProcessTable.IsAlive(Math.Abs(lockPid)))
            {
                File.Delete(socketLock);
                File.Delete(Path.Combine(server.UnixSocketDirectory, string.Create(CultureInfo.InvariantCulture, $".s.PGSQL.{server.Port}")));
            }
        }
        catch (IOException)
        {
            // Raced with something; the start will report it.
        }
    }

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(server.LogFilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Why a start failed: the message, and whether the port was already in use.</summary>
    public sealed record StartFailure(bool AddressInUse, string Message);
}
