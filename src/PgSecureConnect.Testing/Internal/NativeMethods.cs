using System.Runtime.InteropServices;

namespace PgSecureConnect.Testing.Internal;

/// <summary>The few libc calls .NET has no managed API for (signals other than SIGKILL, the effective user id).</summary>
internal static class NativeMethods
{
    public const int SigKill = 9;
    public const int SigQuit = 3;
    public const int SigTerm = 15;

    // Linux signal numbers (x86-64 and arm64 share these).
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int KillNative(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUserIdNative();

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process does not exist (or may not be signalled).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && KillNative(pid, signal) == 0;

    public static bool IsRoot => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()
        ? GetEffectiveUserIdNative() == 0
        : false;
}
