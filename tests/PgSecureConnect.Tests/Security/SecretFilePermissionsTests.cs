using System.Diagnostics;
using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>
/// libpq's rule for key and password files: at most 0600, or 0640 when root owns the file. As root the tests give the
/// "other owner" files to nobody (65534); as another user a file the test creates is already not root's.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretFilePermissionsTests : IDisposable
{
    private const string Advice = ", so other users can read it; libpq refuses such a file. Run chmod 600 on it " +
        "(or 640 with a root owner; in Kubernetes set the secret volume's defaultMode to 0600 or 0640)";

    private readonly string _directory = Directory.CreateTempSubdirectory("pgsecure-permissions-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("0600")]
    [InlineData("0400")]
    [InlineData("0700")]
    [InlineData("0200")]
    [InlineData("0000")]
    public void File_only_its_owner_can_use_is_accepted_whoever_owns_it(string mode)
    {
        Check(mode, rootOwned: false).Should().BeNull();
        if (Environment.IsPrivilegedProcess)
        {
            Check(mode, rootOwned: true).Should().BeNull();
        }
    }

    [Theory]
    [InlineData("0640")]
    [InlineData("0610")]
    [InlineData("0620")]
    [InlineData("0604")]
    [InlineData("0602")]
    [InlineData("0601")]
    [InlineData("0660")]
    [InlineData("0644")]
    [InlineData("0777")]
    public void File_of_another_owner_than_root_that_group_or_others_may_use_is_refused(string mode)
        => Check(mode, rootOwned: false).Should().Be($"has permissions {mode}" + Advice);

    [Fact]
    public void Group_readable_file_is_accepted_when_root_owns_it()
    {
        // Only root can make a root-owned file; another user's own file gets the strict rule (0640 refused), which the
        // theory above asserts.
        Check("0640", rootOwned: Environment.IsPrivilegedProcess).Should().Be(Environment.IsPrivilegedProcess ? null : "has permissions 0640" + Advice);
    }

    [Theory]
    [InlineData("0660")]
    [InlineData("0650")]
    [InlineData("0604")]
    [InlineData("0602")]
    [InlineData("0601")]
    [InlineData("0644")]
    public void Root_owned_file_that_group_may_change_or_others_may_use_is_refused(string mode)
        => Check(mode, rootOwned: Environment.IsPrivilegedProcess).Should().Be($"has permissions {mode}" + Advice);

    [Fact]
    public void Special_mode_bits_are_left_out_of_the_reported_permissions()
        => Check("4644", rootOwned: false).Should().Be("has permissions 0644" + Advice);

    private string? Check(string octalMode, bool rootOwned)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "secret");
        if (!rootOwned && Environment.IsPrivilegedProcess)
        {
            Run("chown", "65534:65534", path);
        }

        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octalMode, 8));
        return SecretFilePermissions.Check(path);
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{command} {string.Join(' ', arguments)} must succeed");
    }
}
