using System.Net;
using System.Net.Sockets;

namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// Picks free TCP ports by binding port 0 on loopback and releasing it; never hands out the same port twice in this
/// process (two servers started concurrently cannot collide; another process can, which the callers retry on).
/// </summary>
internal static class PortAllocator
{
    private static readonly HashSet<int> HandedOut = [];
    private static readonly object Gate = new();

    public static int Allocate()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            lock (Gate)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new PostgresTestBedException("Could not find a free TCP port on 127.0.0.1 after 100 attempts.");
    }
}
