namespace PgSecureConnect;

/// <summary>One failed attempt to open a connection to one server. Holds no secret.</summary>
/// <remarks>A record with init properties rather than a positional one, so a later version can add one without breaking callers.</remarks>
public sealed record ConnectionAttempt
{
    /// <summary>The server tried.</summary>
    public required ServerEndpoint Server { get; init; }

    /// <summary>
    /// The address of <see cref="Server"/>'s host name the attempt connected to, when it raced one of the name's
    /// addresses (<see cref="RetryPolicy.AttemptDelay"/>); <see langword="null"/> when it went by name and Npgsql
    /// resolved it.
    /// </summary>
    public System.Net.IPAddress? Address { get; init; }

    /// <summary>Which pass over the server list this was, from 1.</summary>
    public required int Attempt { get; init; }

    /// <summary>The step that failed.</summary>
    public ConnectionPhase Phase { get; init; }

    /// <summary>Why it failed.</summary>
    public ConnectionFailureKind Kind { get; init; }

    /// <summary>A one-line description of the error.</summary>
    public required string Error { get; init; }

    /// <summary>When the attempt started, counted from the start of the open.</summary>
    public TimeSpan StartedAfter { get; init; }

    /// <summary>How long the attempt took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// Whether the attempt ran alongside another attempt of the same open: it was started because an earlier one had
    /// not answered within <see cref="RetryPolicy.AttemptDelay"/>, or such an attempt was started while it ran.
    /// </summary>
    public bool Raced { get; init; }

    /// <summary>The underlying exception, if any.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Whether trying again later may succeed.</summary>
    public bool IsTransient => Internal.FailureKindRules.IsTransient(Kind);

    /// <summary>One line: server, attempt, phase, time, error.</summary>
    public override string ToString()
        => $"{Server}{(Address is null ? string.Empty : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $" at [{Address}]" : $" at {Address}")} (attempt {Attempt}{(Raced ? ", raced" : string.Empty)}, {PhaseName(Phase)}, at {StartedAfter.TotalMilliseconds:F0} ms, took {Duration.TotalMilliseconds:F0} ms): {Error}";

    private static string PhaseName(ConnectionPhase phase) => phase switch
    {
        ConnectionPhase.Tls => "TLS",
        ConnectionPhase.SessionCheck => "session check",
        _ => phase.ToString().ToLowerInvariant(),
    };
}
