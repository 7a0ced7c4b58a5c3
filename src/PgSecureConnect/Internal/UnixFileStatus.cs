using System.Runtime.InteropServices;

namespace PgSecureConnect.Internal;

/// <summary>
/// A file's type and owner, which .NET has no public API for, from <c>statx(2)</c> (its layout is the same on every
/// Linux architecture). It follows symbolic links, as opening the file would (Kubernetes' <c>..data</c> links).
/// </summary>
internal static partial class UnixFileStatus
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxUid = 0x8;
    private const int ModeOffset = 28;
    private const int UidOffset = 20;
    private const ushort TypeMask = 0xF000;
    private const ushort RegularFile = 0x8000;

    /// <summary>The status of <paramref name="path"/>, or <see langword="null"/> off Linux or when it cannot be read.</summary>
    public static (bool IsRegularFile, uint OwnerId)? Get(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType | StatxUid, buffer) != 0)
        {
            return null;
        }

        var mode = BitConverter.ToUInt16(buffer, ModeOffset);
        return ((mode & TypeMask) == RegularFile, BitConverter.ToUInt32(buffer, UidOffset));
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for a call made once per factory.
    private static extern int Statx(int directory, string path, int flags, uint mask, byte[] buffer);
#pragma warning restore SYSLIB1054
}
