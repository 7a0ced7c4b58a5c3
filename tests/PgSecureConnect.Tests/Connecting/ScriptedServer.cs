using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// A loopback listener that answers the start of a PostgreSQL connection the way <see cref="Script"/> says, in the
/// protocol's own messages (https://www.postgresql.org/docs/current/protocol-flow.html): refuse the login with an error,
/// ask for a password, or accept and report the parameters a server of a given role reports, then answer the one
/// query the connecting code sends (the role, for servers before PostgreSQL 14). Like a refusing port or a black hole,
/// it is a socket on this machine, not a PostgreSQL server; the client on the other end is real Npgsql. Data sources
/// that connect to it must not load types (<see cref="DataSource"/>, <see cref="WithoutTypeLoading"/>): it answers no catalog query.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _accepted = [];
    private readonly Task _accepting;
    private int _connections;
    private int _ended;
    private int _roleQueries;
    private volatile ServerScript _script;

    public ScriptedServer(ServerScript script)
    {
        _script = script;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>A data source for these settings that loads no types from the server.</summary>
    public static NpgsqlDataSource DataSource(NpgsqlConnectionStringBuilder settings)
    {
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        WithoutTypeLoading(builder);
        return builder.Build();
    }

    /// <summary>Npgsql's built-in types only: no catalog query after the first connection.</summary>
    public static void WithoutTypeLoading(NpgsqlDataSourceBuilder builder) => builder.ConfigureTypeLoading(t => t.EnableTypeLoading(false));

    /// <summary>What the next connections are answered with (a connection already accepted keeps its script).</summary>
    public ServerScript Script
    {
        get => _script;
        set => _script = value;
    }

    /// <summary>The connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The connections that have ended (the client closed them, or the script did).</summary>
    public int Ended => Volatile.Read(ref _ended);

    /// <summary>How many times the role was asked with a query.</summary>
    public int RoleQueries => Volatile.Read(ref _roleQueries);

    /// <summary>The subjects of the client certificates clients presented, in order.</summary>
    public ConcurrentQueue<string> ClientCertificates { get; } = new();

    /// <summary>The passwords clients sent, in order.</summary>
    public ConcurrentQueue<string> Passwords { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _accepted.Add(socket);
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(socket, _script);
        }
    }

    private async Task ServeAsync(Socket socket, ServerScript script)
    {
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            var stream = await ReadStartupAsync(network, script);
            await using var _ = stream;

            if (script.Hold is { } hold)
            {
                await hold.WaitAsync(_stop.Token);
            }

            if (script.Password is { } expected)
            {
                await stream.WriteAsync(Message('R', Int32(3)), _stop.Token); // AuthenticationCleartextPassword
                var (type, body) = await ReadMessageAsync(stream);
                var sent = type == 'p' ? Encoding.UTF8.GetString(body.AsSpan(0, body.Length - 1)) : string.Empty;
                Passwords.Enqueue(sent);
                if (sent != expected)
                {
                    await stream.WriteAsync(Error("28P01", "password authentication failed for user \"app\""), _stop.Token);
                    return;
                }
            }

            if (script.SqlState is { } sqlState)
            {
                await stream.WriteAsync(Error(sqlState, script.Message ?? "refused by the script"), _stop.Token);
                return;
            }

            await stream.WriteAsync(StartupAnswer(script), _stop.Token);
            await AnswerQueriesAsync(stream, script);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException or AuthenticationException)
        {
            // The client went away, or the test ended.
        }
        finally
        {
            Interlocked.Increment(ref _ended);
        }
    }

    /// <summary>
    /// Reads the startup packet, answering a request for TLS with a handshake when the script has a certificate and
    /// "no" otherwise (and "no" to GSS encryption); the stream the connection continues on.
    /// </summary>
    private async Task<Stream> ReadStartupAsync(NetworkStream network, ServerScript script)
    {
        Stream stream = network;
        while (true)
        {
            var header = new byte[8];
            await stream.ReadExactlyAsync(header, _stop.Token);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            if (code == SslRequestCode && script.Tls is { } tls)
            {
                await stream.WriteAsync("S"u8.ToArray(), _stop.Token);
#pragma warning disable CA5359 // The scripted server records whatever client certificate it gets; the client's checks are what is tested.
                var secure = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
                {
                    if (certificate is not null)
                    {
                        ClientCertificates.Enqueue(certificate.Subject);
                    }

                    return true;
                });
#pragma warning restore CA5359
                await secure.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = tls.Certificate,
                    ClientCertificateRequired = tls.AskForClientCertificate,
                    EnabledSslProtocols = tls.Protocols,
                }, _stop.Token);
                stream = secure;
                continue;
            }

            if (code is SslRequestCode or GssEncRequestCode)
            {
                await stream.WriteAsync("N"u8.ToArray(), _stop.Token);
                continue;
            }

            var rest = new byte[length - 8];
            await stream.ReadExactlyAsync(rest, _stop.Token);
            return stream;
        }
    }

    private async Task AnswerQueriesAsync(Stream stream, ServerScript script)
    {
        var reply = new MemoryStream();
        var binaryResults = false;
        var isRoleQuery = false;
        while (true)
        {
            var (type, body) = await ReadMessageAsync(stream);
            switch (type)
            {
                case 'P': // Parse: name, query
                    var query = CString(body, CString(body, 0).Next).Text;
                    isRoleQuery = query.Contains("pg_is_in_recovery", StringComparison.Ordinal);
                    reply.Write(Message('1'));
                    break;
                case 'B': // Bind: the result formats come last
                    binaryResults = ResultFormatIsBinary(body);
                    reply.Write(Message('2'));
                    break;
                case 'D': // Describe
                    reply.Write(isRoleQuery ? RowDescription(binaryResults) : Message('n'));
                    break;
                case 'E': // Execute
                    if (isRoleQuery && script.QuerySqlState is { } failure)
                    {
                        Interlocked.Increment(ref _roleQueries);
                        reply.Write(Error(failure, "terminating connection due to administrator command"));
                    }
                    else if (isRoleQuery)
                    {
                        Interlocked.Increment(ref _roleQueries);
                        var role = script.QueriedRole ?? script.ReportedRole ?? ServerRole.Primary;
                        reply.Write(DataRow(role == ServerRole.Standby, role == ServerRole.ReadOnlyPrimary, binaryResults));
                        reply.Write(Message('C', CStringBytes("SELECT 1")));
                    }
                    else
                    {
                        reply.Write(Message('C', CStringBytes("DISCARD ALL")));
                    }

                    break;
                case 'Q': // a simple query: Npgsql resets a pooled connection with one (DISCARD ALL)
                    reply.Write(Message('C', CStringBytes("DISCARD ALL")));
                    reply.Write(Message('Z', "I"u8.ToArray()));
                    break;
                case 'C': // Close
                    reply.Write(Message('3'));
                    break;
                case 'S': // Sync
                    reply.Write(Message('Z', "I"u8.ToArray()));
                    await stream.WriteAsync(reply.ToArray(), _stop.Token);
                    reply.SetLength(0);
                    break;
                case 'X': // Terminate
                    return;
            }
        }
    }

    private async Task<(char Type, byte[] Body)> ReadMessageAsync(Stream stream)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, _stop.Token);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return ((char)header[0], body);
    }

    private static bool ResultFormatIsBinary(byte[] body)
    {
        var at = CString(body, CString(body, 0).Next).Next;
        var parameterFormats = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at));
        at += 2 + (2 * parameterFormats);
        var parameters = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at));
        at += 2;
        for (var i = 0; i < parameters; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(at));
            at += 4 + Math.Max(length, 0);
        }

        var resultFormats = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at));
        return resultFormats > 0 && BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at + 2)) == 1;
    }

    private static byte[] StartupAnswer(ServerScript script)
    {
        var answer = new MemoryStream();
        answer.Write(Message('R', Int32(0))); // AuthenticationOk
        var parameters = new List<(string, string)>
        {
            ("server_version", script.ReportedRole is null ? "13.16" : "16.4"),
            ("server_encoding", "UTF8"),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("TimeZone", "UTC"),
            ("integer_datetimes", "on"),
            ("standard_conforming_strings", "on"),
        };
        if (script.ReportedRole is { } role)
        {
            parameters.Add(("in_hot_standby", role == ServerRole.Standby ? "on" : "off"));
            parameters.Add(("default_transaction_read_only", role == ServerRole.Primary ? "off" : "on"));
        }

        foreach (var (name, value) in parameters)
        {
            answer.Write(Message('S', [.. CStringBytes(name), .. CStringBytes(value)]));
        }

        answer.Write(Message('K', [.. Int32(4242), .. Int32(1234567)]));
        answer.Write(Message('Z', "I"u8.ToArray()));
        return answer.ToArray();
    }

    private static byte[] RowDescription(bool binary)
    {
        var fields = new MemoryStream();
        fields.Write([0, 2]);
        foreach (var name in new[] { "pg_is_in_recovery", "read_only" })
        {
            fields.Write(CStringBytes(name));
            fields.Write(Int32(0)); // table
            fields.Write([0, 0]); // column
            fields.Write(Int32(16)); // bool
            fields.Write([0, 1]); // size
            fields.Write(Int32(-1)); // modifier
            fields.Write([0, (byte)(binary ? 1 : 0)]);
        }

        return Message('T', fields.ToArray());
    }

    private static byte[] DataRow(bool inRecovery, bool readOnly, bool binary)
    {
        var row = new MemoryStream();
        row.Write([0, 2]);
        foreach (var value in new[] { inRecovery, readOnly })
        {
            row.Write(Int32(1));
            row.WriteByte(binary ? (byte)(value ? 1 : 0) : (byte)(value ? 't' : 'f'));
        }

        return Message('D', row.ToArray());
    }

    private static byte[] Error(string sqlState, string message)
        => Message('E', [(byte)'S', .. CStringBytes("FATAL"), (byte)'V', .. CStringBytes("FATAL"), (byte)'C', .. CStringBytes(sqlState), (byte)'M', .. CStringBytes(message), 0]);

    private static byte[] Message(char type, byte[]? body = null)
    {
        body ??= [];
        return [(byte)type, .. Int32(body.Length + 4), .. body];
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] CStringBytes(string text) => [.. Encoding.UTF8.GetBytes(text), 0];

    private static (string Text, int Next) CString(byte[] body, int start)
    {
        var end = Array.IndexOf(body, (byte)0, start);
        return (Encoding.UTF8.GetString(body, start, end - start), end + 1);
    }
}

/// <summary>How a <see cref="ScriptedServer"/> answers a connection.</summary>
/// <param name="ReportedRole">The role the server reports at startup (PostgreSQL 14 and later); <see langword="null"/>: an older server that reports none.</param>
/// <param name="QueriedRole">The role the server gives when asked (after a promotion it differs from what a pooled connection last saw); <see langword="null"/>: the reported one.</param>
/// <param name="SqlState">Refuse the login with this error instead.</param>
/// <param name="Message">The error's message.</param>
/// <param name="Password">Ask for a password, and refuse any other (28P01).</param>
/// <param name="Hold">Answer nothing until this completes (a server slow to answer).</param>
/// <param name="QuerySqlState">Answer the role query with this error instead.</param>
/// <param name="Tls">Answer a request for TLS with a handshake.</param>
internal sealed record ServerScript(ServerRole? ReportedRole = ServerRole.Primary, ServerRole? QueriedRole = null, string? SqlState = null, string? Message = null, string? Password = null, Task? Hold = null, string? QuerySqlState = null, ServerTls? Tls = null)
{
    public static ServerScript Primary { get; } = new();

    public static ServerScript Standby { get; } = new(ServerRole.Standby);

    public static ServerScript Refuse(string sqlState, string message) => new(SqlState: sqlState, Message: message);
}

/// <summary>The TLS side of a <see cref="ScriptedServer"/>.</summary>
/// <param name="Certificate">The server's certificate, with its private key.</param>
/// <param name="Protocols">The TLS versions the server accepts.</param>
/// <param name="AskForClientCertificate">Ask the client for a certificate (any is accepted, and its subject recorded).</param>
internal sealed record ServerTls(X509Certificate2 Certificate, SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13, bool AskForClientCertificate = false);
