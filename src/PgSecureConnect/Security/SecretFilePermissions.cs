namespace PgSecureConnect.Security;

/// <summary>
/// libpq's rule for private key and password files: refuse a file that group or others may read, since anyone who can
/// read it can log in as this client (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-CLIENTCERT,
/// <c>be-secure-openssl.c</c>/<c>fe-secure-openssl.c</c>): at most <c>0600</c>, or <c>0640</c> when root owns it
/// (a file shared with a group through a root-owned mount). Not checked on Windows, as libpq does not.
/// </summary>
internal static class SecretFilePermissions
{
    /// <summary>Why <paramref name="path"/> is too open, or <see langword="null"/> when it is fine (or the platform has no modes).</summary>
    public static string? Check(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode OthersAny = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        const UnixFileMode GroupWriteOrExecute = UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
        var rootOwned = OwnerIsRoot(path);
        var tooOpen = rootOwned
            ? (mode & (OthersAny | GroupWriteOrExecute)) != 0
            : (mode & (OthersAny | GroupWriteOrExecute | UnixFileMode.GroupRead)) != 0;
        if (!tooOpen)
        {
            return null;
        }

        var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        return $"has permissions {octal}, so other users can read it; libpq refuses such a file. Run chmod 600 on it " +
            "(or 640 with a root owner; in Kubernetes set the secret volume's defaultMode to 0600 or 0640)";
    }

    // Off Linux the owner is unknown, and the stricter rule (0600) applies.
    private static bool OwnerIsRoot(string path) => Internal.UnixFileStatus.Get(path) is { OwnerId: 0 };
}
