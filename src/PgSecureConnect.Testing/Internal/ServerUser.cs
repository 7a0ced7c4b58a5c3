using System.Globalization;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// The operating-system user the server processes run as. PostgreSQL (and PgBouncer) refuse to run as root,
/// so when this process is root they run as the <c>postgres</c> system user; otherwise as the current user.
/// </summary>
internal sealed class ServerUser
{
    private const string PostgresUserName = "postgres";

    private ServerUser(string? runAs)
    {
        RunAs = runAs;
    }

    /// <summary>The user to switch to, or null to run as the current user.</summary>
    public string? RunAs { get; }

    public static async Task<ServerUser> DetectAsync(CancellationToken cancellationToken)
    {
        if (!NativeMethods.IsRoot)
        {
            return new ServerUser(null);
        }

        var result = await ProcessRunner.RunAsync(new CommandLine("id", "-u", PostgresUserName), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new PostgresTestBedException(
                "This process runs as root, and PostgreSQL refuses to run as root, so the test bed runs its servers as the 'postgres' system user, " +
                "but that user does not exist. Install the PostgreSQL server package (apt-get install postgresql creates it), " +
                "create the user (useradd --system postgres), or run the tests as a non-root user.");
        }

        return new ServerUser(PostgresUserName);
    }

    /// <summary>The command as the server user would run it.</summary>
    public CommandLine Wrap(CommandLine command) => RunAs is null ? command : command.AsUser(RunAs);

    /// <summary>Hands files or directories (recursively) to the server user.</summary>
    public async Task GiveAsync(IEnumerable<string> paths, bool recursive, CancellationToken cancellationToken)
    {
        if (RunAs is null)
        {
            return;
        }

        var arguments = new List<string>();
        if (recursive)
        {
            arguments.Add("-R");
        }

        arguments.Add(string.Create(CultureInfo.InvariantCulture, $"{RunAs}:"));
        arguments.AddRange(paths);
        await ProcessRunner.RunCheckedAsync(new CommandLine("chown", arguments), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }
}
