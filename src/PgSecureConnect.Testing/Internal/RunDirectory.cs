using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// The per-run temporary directories: <c>/tmp/pgsecure-testbed-PID-RANDOM</c>, each with an <c>owner</c> file naming this
/// process (pid and start time), so that a later run can tell whether the owner is dead and sweep the directory.
/// </summary>
internal static partial class RunDirectory
{
    public const string Prefix = "pgsecure-testbed-";
    public const string OwnerFileName = "owner";

    public static string BaseDirectory => Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();

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
        try
        {
            return Directory.GetDirectories(BaseDirectory, Prefix + "*").Where(d => NamePattern().IsMatch(Path.GetFileName(d))).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"^pgsecure-testbed-(\d+)-[a-z]*[0-9a-f]+$")]
    private static partial Regex NamePattern();
}
