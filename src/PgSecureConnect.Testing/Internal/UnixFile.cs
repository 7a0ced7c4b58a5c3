namespace PgSecureConnect.Testing.Internal;

/// <summary>File modes (the test bed runs on Linux only; PostgreSQL insists on 0600 keys and 0700 data directories).</summary>
internal static class UnixFile
{
    /// <summary>Mode 0600: the owner may read and write, nobody else anything.</summary>
    public static void MakePrivate(string path) =>
        SetMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>Mode 0700 for a directory.</summary>
    public static void MakePrivateDirectory(string path) =>
        SetMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    /// <summary>Mode 0755 for a directory: others may enter it (the server user must reach its own subdirectories).</summary>
    public static void MakeTraversableDirectory(string path) =>
        SetMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    /// <summary>Fails clearly on platforms the test bed does not support.</summary>
    public static void EnsureSupportedPlatform()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "PgSecureConnect.Testing runs PostgreSQL servers on Linux only (it relies on /proc, signals, runuser and iproute2).");
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
