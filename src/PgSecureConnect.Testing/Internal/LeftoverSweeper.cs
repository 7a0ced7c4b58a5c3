using System.Globalization;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// Removes what earlier runs that died without cleaning up left behind: run directories whose owner process is dead
/// (after killing the postmasters and PgBouncers inside them) and network namespaces whose owner is dead.
/// </summary>
internal static partial class LeftoverSweeper
{
    private static int s_swept;

    /// <summary>Sweeps once per process.</summary>
    public static void SweepOnce()
    {
        if (Interlocked.Exchange(ref s_swept, 1) == 0)
        {
            Sweep();
        }
    }

    /// <summary>Sweeps now; returns the run directories removed.</summary>
    public static IReadOnlyList<string> Sweep()
    {
        var removed = new List<string>();
        foreach (var directory in RunDirectory.FindAll())
        {
            if (RunDirectory.IsOwnerAlive(directory))
            {
                continue;
            }

            StopProcessesIn(directory);
            if (TryDeleteDirectory(directory))
            {
                removed.Add(directory);
            }
        }

        SweepNetworkNamespaces();
        return removed;
    }

    /// <summary>Kills every postmaster and PgBouncer whose pid file lies in <paramref name="directory"/> (nested at most three levels).</summary>
    public static void StopProcessesIn(string directory)
    {
        foreach (var pidFile in FindFiles(directory, "postmaster.pid", depth: 3))
        {
            var info = PostmasterPidFile.Read(Path.GetDirectoryName(pidFile)!);
            if (info is null)
            {
                continue;
            }

            if (info.IsPostmasterAlive)
            {
                ServerProcesses.Shutdown(info.Pid, TimeSpan.FromSeconds(3));
            }

            if (!ProcessTable.IsAlive(info.Pid))
            {
                ServerProcesses.RemoveSharedMemory(info.SharedMemoryId);
            }
        }

        foreach (var pidFile in FindFiles(directory, "pgbouncer.pid", depth: 2))
        {
            if (int.TryParse(SafeRead(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ProcessTable.CommandLineOf(pid).Contains(Path.GetDirectoryName(pidFile)!, StringComparison.Ordinal))
            {
                NativeMethods.Signal(pid, NativeMethods.SigKill);
                ProcessTable.WaitForExit([pid], TimeSpan.FromSeconds(3));
            }
        }
    }

    public static bool TryDeleteDirectory(string directory)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return true;
            }
            catch (IOException)
            {
                // A process still writing (e.g. a dying server's log): try again shortly.
                Thread.Sleep(50);
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }

        return !Directory.Exists(directory);
    }

    private static void SweepNetworkNamespaces()
    {
        if (!NativeMethods.IsRoot)
        {
            return;
        }

        foreach (var name in NetworkNamespaces.List())
        {
            var match = NamespacePattern().Match(name);
            if (!match.Success)
            {
                continue;
            }

            var pid = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var startTime = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            if (!ProcessTable.IsAlive(pid, startTime))
            {
                NetworkNamespaces.Delete(name, hostInterface: null);
            }
        }
    }

    private static List<string> FindFiles(string directory, string fileName, int depth)
    {
        var found = new List<string>();
        var candidate = Path.Combine(directory, fileName);
        if (File.Exists(candidate))
        {
            found.Add(candidate);
        }

        if (depth > 0)
        {
            string[] subdirectories;
            try
            {
                subdirectories = Directory.GetDirectories(directory);
            }
            catch (IOException)
            {
                return found;
            }
            catch (UnauthorizedAccessException)
            {
                return found;
            }

            foreach (var subdirectory in subdirectories)
            {
                found.AddRange(FindFiles(subdirectory, fileName, depth - 1));
            }
        }

        return found;
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    [GeneratedRegex(@"^pgsecure-(\d+)-(\d+)-\d+$")]
    private static partial Regex NamespacePattern();
}
