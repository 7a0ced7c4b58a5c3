using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PgSecureConnect.Testing;

/// <summary>
/// A loopback TCP endpoint that accepts connections and never sends a byte (nor closes them):
/// what a client sees of a hung server or a silently dropping middlebox. Clients must time out.
/// </summary>
public sealed class BlackHoleEndpoint : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _acceptedConnections;
    private int _disposed;

    private BlackHoleEndpoint(Socket listener)
    {
        _listener = listener;
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        Host = endPoint.Address.ToString();
        Port = endPoint.Port;
        _ = AcceptLoopAsync();
    }

    /// <summary>The IP address (<c>127.0.0.1</c>, or the loopback address it was started on).</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>How many connections were accepted so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _acceptedConnections);

    /// <summary>Stops listening and closes every accepted connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }

            _accepted.Clear();
        }

        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port} (black hole)");

    internal static BlackHoleEndpoint Start() => Start(IPAddress.Loopback, 0);

    internal static BlackHoleEndpoint Start(IPAddress address, int port)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(512);
            return new BlackHoleEndpoint(listener);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            lock (_accepted)
            {
                if (Volatile.Read(ref _disposed) == 1)
                {
                    socket.Dispose();
                    return;
                }

                _accepted.Add(socket);
            }

            Interlocked.Increment(ref _acceptedConnections);
        }
    }
}
