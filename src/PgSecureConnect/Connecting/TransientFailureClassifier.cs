using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Decides, from the exception an open threw, whether another attempt can help, whether the server should be treated
/// as down, and whether trying the next server is safe. Authentication, missing databases and privileges, and
/// certificate failures stop everything: retrying them only locks accounts and hides the real problem.
/// </summary>
internal static class TransientFailureClassifier
{
    /// <summary>
    /// One line of a message from the server, a proxy, Npgsql or the operating system, for attempt reports, exceptions and
    /// logs: escaped, since a hostile server or a man in the middle of <c>sslmode=require</c> chooses it (no forged log
    /// lines, terminal colours or reordered text).
    /// </summary>
    private static string Shown(string text) => Security.UntrustedText.Escape(ExceptionText.FirstLine(text));

    public static FailureClassification Classify(Exception exception)
    {
        if (exception is NpgsqlException { InnerException: AggregateException aggregate } && aggregate.InnerExceptions.Count > 0)
        {
            // Npgsql's multi-host "Unable to connect to a suitable host": transient only if every inner failure is.
            var inner = aggregate.InnerExceptions.Select(Classify).ToList();
            return inner.All(c => c.IsTransient) ? inner[^1] : inner.First(c => !c.IsTransient);
        }

        if (ExceptionText.Find<Credentials.CredentialsChangedException>(exception) is { } changed)
        {
            return new(ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, changed.Message);
        }

        if (ExceptionText.Find<Credentials.CredentialProviderException>(exception) is { } provider)
        {
            return new(ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, provider.Message);
        }

        if (ExceptionText.Find<PasswordNotConfiguredException>(exception) is { } noPassword)
        {
            return new(ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, noPassword.Message);
        }

        var postgres = ExceptionText.Find<PostgresException>(exception);
        if (postgres is not null)
        {
            return ClassifyServerError(postgres);
        }

        var message = exception.Message;

        // Npgsql: "The connection pool has been exhausted, either raise 'Max Pool Size' ... or 'Timeout' ...".
        if (message.Contains("connection pool has been exhausted", StringComparison.OrdinalIgnoreCase))
        {
            return new(ConnectionFailureKind.PoolExhausted, ConnectionPhase.Pool, "no free connection in the pool within the timeout (the pool is at its maximum size)");
        }

        if (ExceptionText.Find<AuthenticationException>(exception) is { } tls)
        {
            var certificate = tls.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase);
            return certificate
                ? new(ConnectionFailureKind.Certificate, ConnectionPhase.Tls, "certificate verification failed: " + tls.Message)
                : new(ConnectionFailureKind.TlsUnavailable, ConnectionPhase.Tls, "TLS handshake failed: " + Security.UntrustedText.Escape(tls.Message));
        }

        // Npgsql: "SSL connection requested. No SSL enabled connection from this host is configured."
        if (message.Contains("No SSL enabled connection", StringComparison.OrdinalIgnoreCase)
            || message.Contains("server does not support SSL", StringComparison.OrdinalIgnoreCase))
        {
            return new(ConnectionFailureKind.TlsUnavailable, ConnectionPhase.Tls, "TLS is required but the server does not offer it");
        }

        if (IsAuthenticationMethodRefusal(message))
        {
            return new(ConnectionFailureKind.AuthenticationMethodRefused, ConnectionPhase.Authentication, Shown(message));
        }

        if (ExceptionText.Find<SocketException>(exception) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain
                    => new(ConnectionFailureKind.HostNotFound, ConnectionPhase.Connect, "host name not found", HostDown: true),
                SocketError.TimedOut
                    => new(ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "timed out", HostDown: true),
                SocketError.ConnectionRefused
                    => new(ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "connection refused", HostDown: true),
                _ => new(ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, $"network error ({socket.SocketErrorCode})", HostDown: true),
            };
        }

        if (ExceptionText.Find<TimeoutException>(exception) is not null)
        {
            return new(ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "timed out", HostDown: true);
        }

        if (ExceptionText.Find<IOException>(exception) is not null || ExceptionText.Find<EndOfStreamException>(exception) is not null)
        {
            // The server closed the connection during startup (shutting down, or killed).
            return new(ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "the server closed the connection: " + Shown(exception.GetBaseException().Message), HostDown: true);
        }

        if (message.Contains("No suitable host", StringComparison.OrdinalIgnoreCase))
        {
            return new(ConnectionFailureKind.WrongServerRole, ConnectionPhase.SessionCheck, "no server of the requested kind");
        }

        return new(ConnectionFailureKind.Other, ConnectionPhase.Connect, Shown(message));
    }

    /// <summary>Whether the TLS handshake failed because our certificate validation callback said no (not, say, because the server refused our client certificate).</summary>
    public static bool RejectedByValidationCallback(Exception exception)
        => ExceptionText.Find<AuthenticationException>(exception) is { } tls && tls.Message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal);

    private static FailureClassification ClassifyServerError(PostgresException e)
    {
        var text = $"{Shown(e.MessageText)} ({e.SqlState})";
        return e.SqlState switch
        {
            "28P01" or "28000" => new(ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, text),
            "3D000" => new(ConnectionFailureKind.DatabaseNotFound, ConnectionPhase.Authentication, text),
            "42501" => new(ConnectionFailureKind.PermissionDenied, ConnectionPhase.Authentication, text),

            // admin_shutdown, crash_shutdown, cannot_connect_now (starting up, in recovery without hot standby).
            "57P01" or "57P02" or "57P03" => new(ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, text),

            // too_many_connections; 08P01 is what PgBouncer sends for "no more connections allowed" and "query_wait_timeout".
            "53300" => new(ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, text),
            var state when state.StartsWith("08", StringComparison.Ordinal) => new(ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, text),
            _ => new(ConnectionFailureKind.Other, ConnectionPhase.Authentication, text),
        };
    }

    private static bool IsAuthenticationMethodRefusal(string message)
        => message.Contains(LibpqKeyword.RequireAuth, StringComparison.OrdinalIgnoreCase)
            || message.Contains("Require Auth", StringComparison.OrdinalIgnoreCase)
            || message.Contains("authentication method", StringComparison.OrdinalIgnoreCase)
            || message.Contains("channel binding", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The verdict on one failed attempt.</summary>
/// <param name="Kind">Why it failed.</param>
/// <param name="Phase">The step that failed.</param>
/// <param name="Description">One line for the attempt report.</param>
/// <param name="HostDown">The server could not be reached at all: skip it in later opens until it answers again.</param>
internal readonly record struct FailureClassification(ConnectionFailureKind Kind, ConnectionPhase Phase, string Description, bool HostDown = false)
{
    /// <summary>Another attempt in the same open (on this or another server) may succeed.</summary>
    public bool IsTransient => Internal.FailureKindRules.IsRetriedWithinOpen(Kind);
}
