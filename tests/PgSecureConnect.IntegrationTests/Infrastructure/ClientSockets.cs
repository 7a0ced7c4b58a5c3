using System.Globalization;

namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>This process's TCP sockets (from /proc, independent of Npgsql), for tests that verify no socket is left open.</summary>
internal static class ClientSockets
{
    /// <summary>Sockets of this process connected (or connecting) to <paramref name="port"/> on any address, TIME_WAIT excluded.</summary>
    public static int To(int port)
    {
        var ours = OwnSocketInodes();
        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10)
                {
                    continue;
                }

                var remotePort = int.Parse(fields[2][(fields[2].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var state = fields[3];
                if (remotePort == port && state != "06" && ours.Contains(fields[9]))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static HashSet<string> OwnSocketInodes()
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
            catch (IOException)
            {
                // Closed meanwhile.
            }
        }

        return inodes;
    }
}
