namespace PgSecureConnect;

/// <summary>One PostgreSQL server to connect to: a host name, an IP address or a Unix-domain socket directory, and a port.</summary>
/// <param name="Host">A DNS name, an IPv4 or IPv6 address (without brackets), or an absolute socket directory such as <c>/var/run/postgresql</c>.</param>
/// <param name="Port">The TCP port, or the number in the socket file name <c>.s.PGSQL.&lt;port&gt;</c>.</param>
public readonly record struct ServerEndpoint(string Host, int Port)
{
    /// <summary>Whether <see cref="Host"/> is a Unix-domain socket directory rather than a network host.</summary>
    public bool IsUnixSocket => Host.StartsWith('/');

    /// <summary>Whether <see cref="Host"/> is the local machine: <c>localhost</c>, an address in 127.0.0.0/8, <c>::1</c>, or a Unix-domain socket.</summary>
    public bool IsLocal => IsUnixSocket || Security.LoopbackAddress.IsLoopback(Host);

    /// <summary><c>host:port</c>, with IPv6 addresses in brackets.</summary>
    public override string ToString()
        => Host.Contains(':', StringComparison.Ordinal) && !IsUnixSocket ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
