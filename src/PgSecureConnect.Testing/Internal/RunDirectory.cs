using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// The per-run temporary directories: <c>/dev/shm/pgsecure-testbed-PID-RANDOM</c> (or /tmp, see <see cref="BaseDirectory"/>), each with an <c>owner</c> file naming this
/// process (pid and start time), so that a later run can tell whether the owner is dead and sweep the directory.
/// </summary>
internal static partial class RunDirectory
{
    public const string Prefix = "pgsecure-testbed-";
    public const string OwnerFileName = "owner";

    /// <summary>The environment variable that names the directory to make run directories in (instead of /dev/shm or /tmp).</summary>
    public const string BaseDirectoryVariable = "PGSECURE_TESTBED_DIR";

    private const string SharedMemoryDirectory = "/dev/shm";
    private const long MinimumSharedMemoryBytes = 2L * 1024 * 1024 * 1024;
    private static readonly Lazy<string> ChosenBaseDirectory = new(ChooseBaseDirectory);

    /// <summary>
    /// Where run directories go: <c>PGSECURE_TESTBED_DIR</c> when set; else <c>/dev/shm</c> when it is a directory with at least
    /// 2 GB free (copying the 40 MB template to tmpfs takes ~0.1 s, to a busy disk up to a second); else <c>/tmp</c>.
    /// </summary>
    public static string BaseDirectory => ChosenBaseDirectory.Value;

    /// <summary>Every directory that may hold run directories (of this or other runs), for the sweep.</summary>
    public static IEnumerable<string> CandidateBaseDirectories =>
        new[] { Environment.GetEnvironmentVariable(BaseDirectoryVariable), SharedMemoryDirectory, "/tmp", BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d) && Directory.Exists(d))
            .Select(d => Path.GetFullPath(d!))
            .Distinct(StringComparer.Ordinal);

    private static string ChooseBaseDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(BaseDirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            if (!Directory.Exists(configured))
            {
                throw new PostgresTestBedException($"{BaseDirectoryVariable} names '{configured}', which is not an existing directory.");
            }

            return Path.GetFullPath(configured);
        }

        try
        {
            if (Directory.Exists(SharedMemoryDirectory) && new DriveInfo(SharedMemoryDirectory).AvailableFreeSpace >= MinimumSharedMemoryBytes)
            {
                return SharedMemoryDirectory;
            }
        }
        catch (IOException)
        {
            // Not a usable mount: fall through.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
    }

    /// <summary>Creates a fresh run directory, world-traversable (mode 0755) so the server user can reach its own subdirectories.</summary>
    public static string Create(string kind)
    {
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"{Prefix}{Environment.ProcessId}-{kind}{RandomNumberGenerator.GetHexString(6, lowercase: true)}");
        var path = Path.Combine(BaseDirectory, name);
        Directory.CreateDirectory(path);
        UnixFile.MakeTraversableDirectory(path);
        File.WriteAllText(Path.Combine(path, OwnerFileName), OwnerText(Environment.ProcessId, ProcessTable.CurrentProcessStartTime));
        return path;
    }

    public static string OwnerText(int pid, long startTime) => string.Create(CultureInfo.InvariantCulture, $"{pid} {startTime}\n");

    /// <summary>Whether the process that made this run directory is still alive (unknown owners count as alive: never sweep what we cannot attribute).</summary>
    public static bool IsOwnerAlive(string path)
    {
        var match = NamePattern().Match(Path.GetFileName(path));
        if (!match.Success)
        {
            return true;
        }

        var ownerFile = Path.Combine(path, OwnerFileName);
        try
        {
            var parts = File.ReadAllText(ownerFile).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
            {
                return ProcessTable.IsAlive(pid, startTime);
            }
        }
        catch (IOException)
        {
            // No owner file (yet?): fall back to the pid in the name.
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }

        if (Directory.GetLastWriteTimeUtc(path) > DateTime.UtcNow.AddMinutes(-1))
        {
            return true; // Possibly being created right now.
        }

        return ProcessTable.IsAlive(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    public static IEnumerable<string> FindAll()
    {
        var found = new List<string>();
        foreach (var baseDirectory in CandidateBaseDirectories)
        {
            try
            {
                found.AddRange(Directory.GetDirectories(baseDirectory, Prefix + "*").Where(d => NamePattern().IsMatch(Path.GetFileName(d))));
            }
            catch (IOException)
            {
                // Unreadable: nothing of ours there.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    [GeneratedRegex(@"^pgsecure-testbed-(\d+)-(?:[a-z]+-)?[0-9a-f]+$")]
    private static partial Regex NamePattern();
}
