using System.Globalization;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// The parts of a data directory's <c>postmaster.pid</c> the test bed uses: line 1 the postmaster's pid,
/// line 2 the data directory, line 7 the System V shared memory key and id, line 8 the status ("ready", "standby", ...).
/// </summary>
internal sealed record PostmasterPidFile(int Pid, string DataDirectory, int? SharedMemoryId, string Status)
{
    public static PostmasterPidFile? Read(string dataDirectory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(dataDirectory, "postmaster.pid"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 2 || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        int? shmId = null;
        if (lines.Length > 6)
        {
            var parts = lines[6].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                shmId = id;
            }
        }

        return new PostmasterPidFile(pid, lines[1].Trim(), shmId, lines.Length > 7 ? lines[7].Trim() : string.Empty);
    }

    /// <summary>Whether <see cref="Pid"/> is a live postmaster of this data directory (and not a reused pid).</summary>
    public bool IsPostmasterAlive =>
        ProcessTable.IsAlive(Pid) && ProcessTable.CommandLineOf(Pid).Contains(DataDirectory, StringComparison.Ordinal);
}
