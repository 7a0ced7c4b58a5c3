namespace PgSecureConnect.Testing.Internal;

/// <summary>Signals a postmaster and all its children (which PostgreSQL puts in process groups of their own).</summary>
internal static class ServerProcesses
{
    /// <summary>SIGSTOP the postmaster first (so it forks no more), then every descendant.</summary>
    public static void Freeze(int postmasterPid)
    {
        NativeMethods.Signal(postmasterPid, NativeMethods.SigStop);
        foreach (var child in ProcessTable.DescendantsOf(postmasterPid))
        {
            NativeMethods.Signal(child, NativeMethods.SigStop);
        }
    }

    /// <summary>SIGCONT the descendants, then the postmaster.</summary>
    public static void Thaw(int postmasterPid)
    {
        foreach (var child in ProcessTable.DescendantsOf(postmasterPid))
        {
            NativeMethods.Signal(child, NativeMethods.SigCont);
        }

        NativeMethods.Signal(postmasterPid, NativeMethods.SigCont);
    }

    /// <summary>SIGKILL the postmaster and all its descendants (stopped first, so none forks in between); returns the pids killed.</summary>
    public static IReadOnlyList<int> Kill(int postmasterPid)
    {
        NativeMethods.Signal(postmasterPid, NativeMethods.SigStop);
        var all = new List<int> { postmasterPid };
        all.AddRange(ProcessTable.DescendantsOf(postmasterPid));
        foreach (var pid in all)
        {
            NativeMethods.Signal(pid, NativeMethods.SigKill);
        }

        return all;
    }

    /// <summary>
    /// Ends a server as quickly as possible while letting PostgreSQL clean up its shared memory:
    /// SIGCONT (in case it is frozen) and SIGQUIT (immediate shutdown), then SIGKILL whatever is left after <paramref name="grace"/>.
    /// </summary>
    public static void Shutdown(int postmasterPid, TimeSpan grace)
    {
        var all = new List<int> { postmasterPid };
        all.AddRange(ProcessTable.DescendantsOf(postmasterPid));
        foreach (var pid in all)
        {
            NativeMethods.Signal(pid, NativeMethods.SigCont);
        }

        NativeMethods.Signal(postmasterPid, NativeMethods.SigQuit);
        if (!ProcessTable.WaitForExit(all, grace))
        {
            foreach (var pid in Kill(postmasterPid).Concat(all))
            {
                NativeMethods.Signal(pid, NativeMethods.SigKill);
            }

            ProcessTable.WaitForExit(all, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Removes the System V shared memory segment a killed postmaster left behind (best effort).</summary>
    public static void RemoveSharedMemory(int? sharedMemoryId)
    {
        if (sharedMemoryId is { } id)
        {
            ProcessRunner.Run(new CommandLine("ipcrm", "-m", id.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(5));
        }
    }
}
