namespace PgSecureConnect.Testing;

/// <summary>
/// The PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) were not found.
/// The message lists every place that was looked at and how to fix it.
/// </summary>
public sealed class PostgresNotFoundException : PostgresTestBedException
{
    /// <summary>Creates the exception with a default message.</summary>
    public PostgresNotFoundException()
        : base("PostgreSQL server binaries were not found. Install them (apt-get install postgresql) or set PGSECURE_PG_BINDIR.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Where was looked and how to fix it.</param>
    public PostgresNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">Where was looked and how to fix it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public PostgresNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
