namespace PgSecureConnect;

/// <summary>One failed attempt to open a connection to one server. Holds no secret.</summary>
/// <param name="Server">The server tried.</param>
/// <param name="Attempt">Which pass over the server list this was, from 1.</param>
/// <param name="Phase">The step that failed.</param>
/// <param name="Kind">Why it failed.</param>
/// <param name="Error">A one-line description of the error.</param>
/// <param name="StartedAfter">When the attempt started, counted from the start of the open.</param>
/// <param name="Duration">How long the attempt took.</param>
/// <param name="Exception">The underlying exception, if any.</param>
public sealed record ConnectionAttempt(
    ServerEndpoint Server,
    int Attempt,
    ConnectionPhase Phase,
    ConnectionFailureKind Kind,
    string Error,
    TimeSpan StartedAfter,
    TimeSpan Duration,
    Exception? Exception)
{
    /// <summary>Whether trying again later may succeed.</summary>
    public bool IsTransient => Internal.FailureKindRules.IsTransient(Kind);

    /// <summary>One line: server, attempt, phase, time, error.</summary>
    public override string ToString()
        => $"{Server} (attempt {Attempt}, {PhaseName(Phase)}, at {StartedAfter.TotalMilliseconds:F0} ms, took {Duration.TotalMilliseconds:F0} ms): {Error}";

    private static string PhaseName(ConnectionPhase phase) => phase switch
    {
        ConnectionPhase.Tls => "TLS",
        ConnectionPhase.SessionCheck => "session check",
        _ => phase.ToString().ToLowerInvariant(),
    };
}
