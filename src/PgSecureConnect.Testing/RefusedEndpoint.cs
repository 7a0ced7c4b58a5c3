using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PgSecureConnect.Testing;

/// <summary>
/// A loopback host and port where nothing listens: connecting is refused at once (TCP RST).
/// The port stays bound (without listening) until disposal, so nothing else can take it meanwhile.
/// </summary>
public sealed class RefusedEndpoint : IDisposable
{
    private readonly Socket _socket;

    private RefusedEndpoint(Socket socket)
    {
        _socket = socket;
        var endPoint = (IPEndPoint)socket.LocalEndPoint!;
        Host = endPoint.Address.ToString();
        Port = endPoint.Port;
    }

    /// <summary>The IP address (<c>127.0.0.1</c>).</summary>
    public string Host { get; }

    /// <summary>The reserved port nobody listens on.</summary>
    public int Port { get; }

    /// <summary>Releases the port.</summary>
    public void Dispose() => _socket.Dispose();

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port} (refused)");

    internal static RefusedEndpoint Create()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

            // .NET sets SO_REUSEADDR inside Bind on Unix; Linux lets any other SO_REUSEADDR socket (PostgreSQL's, for one)
            // bind a port whose holder has it and is not listening. Cleared, the port is really reserved.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            return new RefusedEndpoint(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
