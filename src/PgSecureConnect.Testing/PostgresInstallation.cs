using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>The installed PostgreSQL server binaries the test bed runs.</summary>
public sealed class PostgresInstallation
{
    /// <summary>The environment variable that names the binary directory explicitly (it wins over every other place).</summary>
    public const string BinDirectoryVariable = "PGSECURE_PG_BINDIR";

    private static readonly string[] RequiredTools = ["initdb", "pg_ctl", "postgres"];

    private PostgresInstallation(string binDirectory, Version version)
    {
        BinDirectory = binDirectory;
        Version = version;
    }

    /// <summary>The directory holding <c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>, <c>pg_basebackup</c>, ...</summary>
    public string BinDirectory { get; }

    /// <summary>The server version (major.minor), from <c>postgres --version</c>.</summary>
    public Version Version { get; }

    /// <summary>
    /// Finds the server binaries, in this order: the <c>PGSECURE_PG_BINDIR</c> environment variable,
    /// <c>pg_config --bindir</c> (when pg_config is on PATH), a PATH directory holding both <c>initdb</c> and <c>pg_ctl</c>,
    /// and the highest version under <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    /// <returns>The installation found.</returns>
    /// <exception cref="PostgresNotFoundException">Nothing was found; the message lists where was looked and how to fix it.</exception>
    public static PostgresInstallation Find() => Find(new InstallationSearch());

    /// <summary>The full path of a tool in <see cref="BinDirectory"/>.</summary>
    /// <param name="tool">The tool's file name, e.g. <c>pg_basebackup</c>.</param>
    /// <returns>The path (whether or not the file exists).</returns>
    public string GetToolPath(string tool) => Path.Combine(BinDirectory, tool);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {Version} in {BinDirectory}");

    internal static PostgresInstallation Find(InstallationSearch search)
    {
        var lookedAt = new List<string>();

        var explicitDirectory = search.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            var missing = MissingTools(explicitDirectory);
            if (missing.Count == 0)
            {
                return Create(explicitDirectory);
            }

            // An explicit override that is wrong is an error, not something to silently look past.
            throw new PostgresNotFoundException(
                $"{BinDirectoryVariable} is set to '{explicitDirectory}', but that directory lacks {string.Join(", ", missing)}. " +
                $"Point {BinDirectoryVariable} at the directory holding initdb, pg_ctl and postgres (e.g. /usr/lib/postgresql/15/bin), or unset it.");
        }

        lookedAt.Add($"environment variable {BinDirectoryVariable}: not set");

        var pathDirectories = (search.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .ToList();

        var pgConfig = pathDirectories.Select(d => Path.Combine(d, "pg_config")).FirstOrDefault(File.Exists);
        if (pgConfig is null)
        {
            lookedAt.Add("pg_config --bindir: no pg_config on PATH");
        }
        else
        {
            var result = ProcessRunner.Run(new CommandLine(pgConfig, "--bindir"), TimeSpan.FromSeconds(10));
            var directory = result.StandardOutput.Trim();
            if (!result.Succeeded || directory.Length == 0)
            {
                lookedAt.Add($"{pgConfig} --bindir: failed ({result.Diagnostics})");
            }
            else if (MissingTools(directory) is { Count: > 0 } missing)
            {
                lookedAt.Add($"{pgConfig} --bindir: {directory} lacks {string.Join(", ", missing)} (client package only?)");
            }
            else
            {
                return Create(directory);
            }
        }

        var onPath = pathDirectories.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        if (onPath is not null && MissingTools(onPath).Count == 0)
        {
            return Create(onPath);
        }

        lookedAt.Add($"PATH: no directory holds both initdb and pg_ctl (searched {(pathDirectories.Count == 0 ? "nothing: PATH is empty" : string.Join(Path.PathSeparator, pathDirectories))})");

        var versioned = VersionedDirectories(search.LibPostgresqlDirectory);
        foreach (var (_, directory) in versioned)
        {
            if (MissingTools(directory).Count == 0)
            {
                return Create(directory);
            }
        }

        lookedAt.Add(versioned.Count == 0
            ? $"{search.LibPostgresqlDirectory}/*/bin: no such directories"
            : $"{search.LibPostgresqlDirectory}/*/bin: {string.Join(", ", versioned.Select(v => v.Directory))} lack the server binaries");

        var message = new StringBuilder("PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Looked at:");
        foreach (var place in lookedAt)
        {
            message.Append(Environment.NewLine).Append("  - ").Append(place);
        }

        message.Append(Environment.NewLine)
            .Append("Fix: install the PostgreSQL server, e.g. `apt-get install postgresql` on Debian/Ubuntu, ")
            .Append("or set ").Append(BinDirectoryVariable).Append(" to the directory that holds initdb and pg_ctl.");
        throw new PostgresNotFoundException(message.ToString());
    }

    private static List<(Version Version, string Directory)> VersionedDirectories(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.GetDirectories(root)
            .Select(d => (Name: Path.GetFileName(d), Bin: Path.Combine(d, "bin")))
            .Where(d => Directory.Exists(d.Bin))
            .Select(d => (Version: ParseLooseVersion(d.Name), Directory: d.Bin))
            .OrderByDescending(d => d.Version)
            .ToList();
    }

    private static Version ParseLooseVersion(string text)
    {
        var match = Regex.Match(text, @"^(\d+)(?:\.(\d+))?");
        if (!match.Success)
        {
            return new Version(0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return new Version(major, minor);
    }

    private static List<string> MissingTools(string directory) =>
        RequiredTools.Where(tool => !File.Exists(Path.Combine(directory, tool))).ToList();

    private static PostgresInstallation Create(string directory)
    {
        directory = Path.GetFullPath(directory);
        var postgres = Path.Combine(directory, "postgres");
        var result = ProcessRunner.Run(new CommandLine(postgres, "--version"), TimeSpan.FromSeconds(10));

        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        var match = Regex.Match(result.StandardOutput, @"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?");
        if (!result.Succeeded || !match.Success)
        {
            throw new PostgresNotFoundException($"Found {postgres}, but `{postgres} --version` did not report a version: {result.Diagnostics} {result.StandardOutput}".Trim());
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return new PostgresInstallation(directory, new Version(major, minor));
    }
}
