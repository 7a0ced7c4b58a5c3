using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// The data directory every test server is copied from: <c>initdb</c> runs once per process (while any test bed lives),
/// then single-user mode creates the test roles and database. Copying it (about 30 MB) to tmpfs takes well under 100 ms;
/// initdb takes about a second.
/// </summary>
internal sealed class ClusterTemplate
{
    public const string UserName = "testbed";
    public const string Md5UserName = "testbed_md5";
    public const string DatabaseName = "app";

    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The live templates, one per server installation (bin directory), with their lease counts.</summary>
    private static readonly Dictionary<string, (ClusterTemplate Template, int Leases)> Templates = new(StringComparer.Ordinal);

    private ClusterTemplate(string binDirectory, string runDirectory, string dataDirectory, string password, string md5Password, TimeSpan initDuration)
    {
        BinDirectory = binDirectory;
        RunDirectory = runDirectory;
        DataDirectory = dataDirectory;
        Password = password;
        Md5Password = md5Password;
        InitDuration = initDuration;
    }

    public string BinDirectory { get; }

    public string RunDirectory { get; }

    public string DataDirectory { get; }

    public string Password { get; }

    public string Md5Password { get; }

    public TimeSpan InitDuration { get; }

    /// <summary>
    /// The process-wide template of this installation, made on first use (a failed attempt is retried on the next call).
    /// Each caller holds a lease until <see cref="Release"/>; when the last lease goes, the template is deleted
    /// (a later caller makes a new one).
    /// </summary>
    public static async Task<(ClusterTemplate Template, bool Created)> AcquireAsync(PostgresInstallation installation, ServerUser user, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var created = false;
            if (!Templates.TryGetValue(installation.BinDirectory, out var entry) || !Directory.Exists(entry.Template.DataDirectory))
            {
                TestBedRegistry.EnsureProcessExitHook();
                entry = (await CreateAsync(installation, user, cancellationToken).ConfigureAwait(false), entry.Leases);
                created = true;
            }

            Templates[installation.BinDirectory] = (entry.Template, entry.Leases + 1);
            return (entry.Template, created);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Gives a lease back; the last one deletes the template.</summary>
    public static void Release(ClusterTemplate template)
    {
        Gate.Wait();
        try
        {
            if (Templates.TryGetValue(template.BinDirectory, out var entry) && ReferenceEquals(entry.Template, template))
            {
                if (entry.Leases <= 1)
                {
                    Templates.Remove(template.BinDirectory);
                    LeftoverSweeper.TryDeleteDirectory(template.RunDirectory);
                }
                else
                {
                    Templates[template.BinDirectory] = (template, entry.Leases - 1);
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Deletes every template whatever the leases (process exit).</summary>
    public static void DeleteAll()
    {
        // Bounded: at process exit a start may still hold the gate; deleting anyway is what exit wants.
        var entered = Gate.Wait(TimeSpan.FromSeconds(5));
        try
        {
            foreach (var (template, _) in Templates.Values.ToList())
            {
                LeftoverSweeper.TryDeleteDirectory(template.RunDirectory);
            }

            Templates.Clear();
        }
        finally
        {
            if (entered)
            {
                Gate.Release();
            }
        }
    }

    public static string NewPassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 24);

    private static async Task<ClusterTemplate> CreateAsync(PostgresInstallation installation, ServerUser user, CancellationToken cancellationToken)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var runDirectory = Internal.RunDirectory.Create("template-");
        var dataDirectory = Path.Combine(runDirectory, "data");
        try
        {
            await user.GiveAsync([runDirectory], recursive: false, cancellationToken).ConfigureAwait(false);
            var initdb = new CommandLine(
                installation.GetToolPath("initdb"),
                "-D", dataDirectory,
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--wal-segsize=1", // 1 MB instead of 16 MB of WAL in every copy
                "--no-sync");
            await ProcessRunner.RunCheckedAsync(user.Wrap(initdb), TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);

            var password = NewPassword();
            var md5Password = NewPassword();

            // Single-user mode: one statement per line, no server or port needed.
            var script = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"CREATE ROLE {UserName} WITH LOGIN SUPERUSER REPLICATION PASSWORD '{password}'\n")
                .Append("SET password_encryption = 'md5'\n")
                .Append(CultureInfo.InvariantCulture, $"CREATE ROLE {Md5UserName} WITH LOGIN PASSWORD '{md5Password}'\n")
                .Append(CultureInfo.InvariantCulture, $"CREATE DATABASE {DatabaseName} OWNER {UserName}\n")
                .ToString();
            var singleUser = new CommandLine(
                installation.GetToolPath("postgres"),
                "--single",
                "-D", dataDirectory,
                "-F",
                "-c", "exit_on_error=true",
                "-c", "password_encryption=scram-sha-256",
                "postgres");
            var result = await ProcessRunner.RunAsync(user.Wrap(singleUser), TimeSpan.FromMinutes(1), cancellationToken, script).ConfigureAwait(false);
            if (!result.Succeeded || result.StandardError.Contains("ERROR", StringComparison.Ordinal))
            {
                throw new PostgresTestBedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Creating the test roles in the template cluster failed (exit code {result.ExitCode}):{Environment.NewLine}{result.StandardError}{result.StandardOutput}"));
            }

            return new ClusterTemplate(installation.BinDirectory, runDirectory, dataDirectory, password, md5Password, stopwatch.Elapsed);
        }
        catch
        {
            LeftoverSweeper.TryDeleteDirectory(runDirectory);
            throw;
        }
    }
}
