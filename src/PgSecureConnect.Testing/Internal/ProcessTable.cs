using System.Diagnostics;
using System.Globalization;

namespace PgSecureConnect.Testing.Internal;

/// <summary>Reads Linux's /proc: liveness (zombies count as dead), parent/child links, start times, command lines.</summary>
internal static class ProcessTable
{
    private static readonly Lazy<long> CurrentStartTime = new(() => StartTimeOf(Environment.ProcessId) ?? 0);

    /// <summary>The start time (clock ticks after boot) of this process: with the pid, it names this process uniquely.</summary>
    public static long CurrentProcessStartTime => CurrentStartTime.Value;

    /// <summary>True when the process exists and has not exited (a zombie waiting to be reaped has exited).</summary>
    public static bool IsAlive(int pid)
    {
        var fields = ReadStat(pid);
        return fields is not null && fields[0] is not "Z" and not "X" and not "x";
    }

    /// <summary>True when the process with that pid is alive and is the one that started at <paramref name="startTime"/>.</summary>
    public static bool IsAlive(int pid, long startTime) => IsAlive(pid) && StartTimeOf(pid) == startTime;

    public static long? StartTimeOf(int pid)
    {
        var fields = ReadStat(pid);
        return fields is not null && fields.Length > 19 && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
            ? ticks
            : null;
    }

    public static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cmdline")).Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>All live descendants of <paramref name="pid"/> (children, grandchildren, ...).</summary>
    public static IReadOnlyList<int> DescendantsOf(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var other in AllPids())
        {
            var fields = ReadStat(other);
            if (fields is null || fields.Length < 2 || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent))
            {
                continue;
            }

            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(other);
        }

        var result = new List<int>();
        var pending = new Queue<int>();
        pending.Enqueue(pid);
        while (pending.Count > 0)
        {
            if (!children.TryGetValue(pending.Dequeue(), out var list))
            {
                continue;
            }

            foreach (var child in list)
            {
                result.Add(child);
                pending.Enqueue(child);
            }
        }

        return result;
    }

    public static IEnumerable<int> AllPids()
    {
        string[] entries;
        try
        {
            entries = Directory.GetDirectories("/proc");
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Waits (polling) until none of <paramref name="pids"/> is alive; returns whether they all ended in time.</summary>
    public static bool WaitForExit(IEnumerable<int> pids, TimeSpan timeout)
    {
        var remaining = pids.ToList();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            remaining.RemoveAll(pid => !IsAlive(pid));
            if (remaining.Count == 0)
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>Async variant of <see cref="WaitForExit"/>.</summary>
    public static async Task<bool> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var remaining = pids.ToList();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            remaining.RemoveAll(pid => !IsAlive(pid));
            if (remaining.Count == 0)
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, ... [19] starttime.</summary>
    private static string[]? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may itself contain spaces or parentheses.
        var end = text.LastIndexOf(')');
        return end < 0 ? null : text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
