using System.Globalization;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>This process's resident memory and its TCP sockets, read from <c>/proc</c>.</summary>
internal static class ProcessResources
{
    /// <summary>VmRSS in MiB, after a full blocking, compacting collection and the finalizers it queued.</summary>
    public static double ResidentMegabytesAfterCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kilobytes / 1024.0;
    }

    /// <summary>The managed heap in MiB as the last collection left it (call after <see cref="ResidentMegabytesAfterCollection"/>).</summary>
    public static double ManagedHeapMegabytes() => GC.GetGCMemoryInfo().HeapSizeBytes / 1024.0 / 1024.0;

    /// <summary>
    /// This process's TCP sockets connected (in any state but LISTEN) to one of <paramref name="remotePorts"/>: the
    /// entries of <c>/proc/self/net/tcp</c> and <c>tcp6</c> (the whole network namespace) whose inode is one of this
    /// process's file descriptors (<c>/proc/self/fd</c> → <c>socket:[inode]</c>).
    /// </summary>
    public static int CountTcpSockets(IReadOnlySet<int> remotePorts)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        var count = 0;
        foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] == "0A")
                {
                    continue;
                }

                var remotePort = int.Parse(fields[2][(fields[2].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (remotePorts.Contains(remotePort) && inodes.Contains(fields[9]))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
