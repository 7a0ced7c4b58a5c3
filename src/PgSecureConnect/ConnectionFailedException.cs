using System.Globalization;
using System.Text;
using Npgsql;

namespace PgSecureConnect;

/// <summary>
/// Opening a connection failed after every attempt the <see cref="RetryPolicy"/> allowed. The message lists each
/// attempt (server, phase, error, time) and a hint for the most likely cause; it never contains a password.
/// Derives from <see cref="NpgsqlException"/>, so code that handles Npgsql errors, and retry strategies that consult
/// <see cref="NpgsqlException.IsTransient"/>, keep working.
/// </summary>
public sealed class ConnectionFailedException : NpgsqlException
{
    /// <summary>Creates the exception from the attempts made.</summary>
    /// <param name="attempts">Every failed attempt, in order; at least one.</param>
    /// <param name="elapsed">How long the open took in all.</param>
    /// <param name="reason">Why the factory stopped trying, for example "the overall timeout of 30 s was reached".</param>
    public ConnectionFailedException(IReadOnlyList<ConnectionAttempt> attempts, TimeSpan elapsed, string reason)
        : base(FormatMessage(attempts, elapsed, reason), attempts.Count > 0 ? attempts[^1].Exception : null)
    {
        Attempts = attempts;
        Elapsed = elapsed;
        Kind = DecisiveKind(attempts);
        Hint = HintFor(attempts);
    }

    /// <summary>Creates an exception without attempts; prefer the constructor that lists them.</summary>
    public ConnectionFailedException()
        : this([], TimeSpan.Zero, "no attempt was made")
    {
    }

    /// <summary>Creates an exception without attempts; prefer the constructor that lists them.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    public ConnectionFailedException(string message)
        : base(message)
    {
        Attempts = [];
        Hint = string.Empty;
    }

    /// <summary>Creates an exception without attempts; prefer the constructor that lists them.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Attempts = [];
        Hint = string.Empty;
    }

    /// <summary>Every failed attempt, in order.</summary>
    public IReadOnlyList<ConnectionAttempt> Attempts { get; }

    /// <summary>How long the open took in all.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Why the last attempt failed.</summary>
    public ConnectionFailureKind Kind { get; }

    /// <summary>What is most likely wrong and how to fix it.</summary>
    public string Hint { get; }

    /// <summary>Whether trying again later may succeed: true when every attempt failed for a transient reason.</summary>
    public override bool IsTransient => Attempts.Count > 0 && Attempts.All(a => a.IsTransient);

    private static string FormatMessage(IReadOnlyList<ConnectionAttempt> attempts, TimeSpan elapsed, string reason)
    {
        var servers = attempts.Select(a => a.Server).Distinct().Count();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Could not open a PostgreSQL connection: {attempts.Count} attempt{(attempts.Count == 1 ? string.Empty : "s")} on {servers} server{(servers == 1 ? string.Empty : "s")} failed in {elapsed.TotalSeconds:F1} s; {reason}.");
        foreach (var attempt in attempts)
        {
            text.Append("\n- ").Append(attempt);
        }

        var hint = HintFor(attempts);
        if (hint.Length > 0)
        {
            text.Append("\nHint: ").Append(hint);
        }

        return text.ToString();
    }

    /// <summary>
    /// The kind that explains the failure best: the error that stopped the retries, else a server of the wrong kind
    /// (during a failover the other servers are typically just down), else the last error.
    /// </summary>
    private static ConnectionFailureKind DecisiveKind(IReadOnlyList<ConnectionAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return ConnectionFailureKind.Other;
        }

        if (attempts.FirstOrDefault(a => !a.IsTransient) is { } fatal)
        {
            return fatal.Kind;
        }

        return attempts.Any(a => a.Kind == ConnectionFailureKind.WrongServerRole) ? ConnectionFailureKind.WrongServerRole : attempts[^1].Kind;
    }

    private static string HintFor(IReadOnlyList<ConnectionAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return string.Empty;
        }

        return DecisiveKind(attempts) switch
        {
            ConnectionFailureKind.Unreachable => "nothing accepted the connection: is the server running, and are the host and port (DB_HOST/DB_PORT or the URL) right? Is a firewall in the way?",
            ConnectionFailureKind.HostNotFound => "the host name could not be resolved: check DB_HOST or the host in the URL, and DNS.",
            ConnectionFailureKind.Timeout => "the server did not answer in time: is the host right, is the server overloaded or frozen, or does a firewall drop the packets? connect_timeout sets the wait per server.",
            ConnectionFailureKind.ServerUnavailable => "the server is starting, shutting down, or out of connections: wait and retry, raise max_connections, or reduce pool_max_conns.",
            ConnectionFailureKind.WrongServerRole => "no server of the requested kind (target_session_attrs) was found: during a failover the new primary may not be promoted yet; check the server list.",
            ConnectionFailureKind.Authentication => "the login was rejected: check DB_USER/DB_PASSWORD (or the user and password in the URL), and that pg_hba.conf allows this user from this address with this SSL mode.",
            ConnectionFailureKind.AuthenticationMethodRefused => "the server asked for an authentication method the client refuses (require_auth / channel_binding): use SCRAM on the server (password_encryption=scram-sha-256, then reset the password) or relax require_auth.",
            ConnectionFailureKind.DatabaseNotFound => "the database does not exist: check DB_NAME or the path of the URL, or create the database.",
            ConnectionFailureKind.PermissionDenied => "the user may not connect to this database: GRANT CONNECT ON DATABASE ... TO ...",
            ConnectionFailureKind.Certificate => "the server's certificate was rejected: point sslrootcert (DB_SSLROOTCERT) at the CA that signed it, and connect with the host name the certificate was issued for (verify-full checks it).",
            ConnectionFailureKind.TlsUnavailable => "TLS could not be established: enable ssl on the server, or check that the server's pg_hba.conf has a hostssl entry for this client.",
            ConnectionFailureKind.PoolExhausted => "all pooled connections are in use: dispose connections promptly (await using), or raise pool_max_conns (DB_POOL_MAX_SIZE).",
            _ => string.Empty,
        };
    }
}
