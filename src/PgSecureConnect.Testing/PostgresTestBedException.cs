namespace PgSecureConnect.Testing;

/// <summary>
/// A test-bed operation failed: a command exited with an error, a server did not become ready in time,
/// a required tool (such as PgBouncer) is missing, or the machine cannot do what was asked (network namespaces need root).
/// The message says what was tried and, for servers, ends with the last lines of the server's log.
/// </summary>
public class PostgresTestBedException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public PostgresTestBedException()
        : base("A PostgreSQL test-bed operation failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    public PostgresTestBedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public PostgresTestBedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
