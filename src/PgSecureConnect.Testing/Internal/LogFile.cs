using System.Text;

namespace PgSecureConnect.Testing.Internal;

/// <summary>Reads the end of a server's log for error messages.</summary>
internal static class LogFile
{
    public static string Tail(string path, int lines = 40)
    {
        try
        {
            if (!File.Exists(path))
            {
                return $"(no log file at {path})";
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            const int MaxBytes = 64 * 1024;
            if (stream.Length > MaxBytes)
            {
                stream.Seek(-MaxBytes, SeekOrigin.End);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            var all = reader.ReadToEnd().Split('\n');
            var tail = all.Skip(Math.Max(0, all.Length - lines));
            return string.Join('\n', tail).TrimEnd();
        }
        catch (IOException exception)
        {
            return $"(could not read {path}: {exception.Message})";
        }
        catch (UnauthorizedAccessException exception)
        {
            return $"(could not read {path}: {exception.Message})";
        }
    }

    /// <summary>A block for exception messages: "Last lines of X:" and the tail.</summary>
    public static string Describe(string path, int lines = 40) =>
        $"{Environment.NewLine}--- last lines of {path} ---{Environment.NewLine}{Tail(path, lines)}{Environment.NewLine}--- end of log ---";
}
