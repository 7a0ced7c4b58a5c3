namespace PgSecureConnect;

/// <summary>One failed try of a unit of work (see <see cref="ConnectionFactoryUnitOfWorkExtensions"/>). Holds no secret.</summary>
public sealed record UnitOfWorkTry
{
    /// <summary>Which try of the unit this was, from 1; verification tries carry the number of the try whose commit they check.</summary>
    public required int Number { get; init; }

    /// <summary>The step that failed.</summary>
    public required UnitOfWorkStep Step { get; init; }

    /// <summary>The server the connection went to; <see langword="null"/> when no connection was opened.</summary>
    public ServerEndpoint? Server { get; init; }

    /// <summary>A one-line description of the error.</summary>
    public required string Error { get; init; }

    /// <summary>The SQLSTATE the server (or a proxy in front of it) sent, if any.</summary>
    public string? SqlState { get; init; }

    /// <summary>Whether another try could succeed: the connection was lost, the server was shutting down, a serialization failure or deadlock, a read-only server after a failover, too many connections.</summary>
    public required bool IsTransient { get; init; }

    /// <summary>When the try started, counted from the start of the unit.</summary>
    public TimeSpan StartedAfter { get; init; }

    /// <summary>How long the try took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The underlying exception.</summary>
    public Exception? Exception { get; init; }

    /// <summary>One line: server, try, step, time, error.</summary>
    /// <returns>For example <c>db1:5432 (try 1, commit, at 0 ms, took 12 ms): the connection was lost (...)</c>.</returns>
    public override string ToString()
        => $"{(Server is { } server ? server.ToString() : "no server")} (try {Number}, {Step.ToString().ToLowerInvariant()}, at {StartedAfter.TotalMilliseconds:F0} ms, took {Duration.TotalMilliseconds:F0} ms): {Error}";
}
