using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads a <c>*_FILE</c> secret (Docker and Kubernetes mount secrets as files). Only a regular file (a symbolic link to
/// one is fine) of at most <see cref="MaxLength"/> bytes is read: a FIFO would block the caller forever, a device
/// could be read without end, and no connection setting is that long.
/// </summary>
internal static class SecretFileReader
{
    /// <summary>The largest secret file read, in bytes.</summary>
    public const int MaxLength = 64 * 1024;

    /// <exception cref="IOException">The file is not a regular file, or too large; the message says which.</exception>
    public static string Read(string path)
    {
        if (UnixFileStatus.Get(path) is { IsRegularFile: false })
        {
            throw new SecretFileException("is not a regular file (a FIFO, socket, device or directory); point it at the file that holds the secret");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
        if (stream.CanSeek && stream.Length > MaxLength)
        {
            throw new SecretFileException($"is {stream.Length} bytes long, more than the {MaxLength} bytes a secret file may have; point it at the file that holds only the secret");
        }

        var buffer = new byte[MaxLength + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        if (total > MaxLength)
        {
            throw new SecretFileException($"is longer than the {MaxLength} bytes a secret file may have; point it at the file that holds only the secret");
        }

        return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(buffer, 0, total).TrimStart('\uFEFF');
    }
}

/// <summary>A <c>*_FILE</c> secret that may not be read; the message completes "the file … ".</summary>
internal sealed class SecretFileException(string message) : IOException(message);
