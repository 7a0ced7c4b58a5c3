using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Sample;

/// <summary>
/// An expected failure as two lines: what is wrong and how to fix it. Built from the structured data PgSecureConnect
/// puts on its exceptions (<see cref="ConnectionFailedException.Kind"/> and <see cref="ConnectionFailedException.Hint"/>,
/// <see cref="ConnectionConfigurationException.Problems"/>), never from a stack trace, and never holding a password:
/// the library's messages leave it out.
/// </summary>
internal sealed record Diagnosis(string Problem, string Fix)
{
    private const string EnvExample = "cp samples/PgSecureConnect.Sample/.env.example .env";

    public void Print(TextWriter error)
    {
        error.WriteLine($"Error: {Problem}");
        error.WriteLine($"Fix:   {Fix}");
    }

    /// <summary>
    /// Whether FromEnvironment found no settings at all: its only problem is then about DATABASE_URL and comes from no
    /// source (a DATABASE_URL that is set but wrong always names where it was set).
    /// </summary>
    public static bool IsNothingConfigured(ConnectionConfigurationException exception)
        => exception.Problems is [{ Key: "DATABASE_URL", Source: null }];

    /// <summary>The diagnosis of an expected failure, or <see langword="null"/> for a bug.</summary>
    public static Diagnosis? For(Exception exception, SampleOptions options) => exception switch
    {
        ConnectionFailedException failed => ForConnectionFailure(failed),
        ConnectionConfigurationException invalid => ForConfiguration(invalid, options),
        PostgresNotFoundException => new(
            (options.FailoverDemo
                ? "the failover demo needs the PostgreSQL server binaries (initdb, pg_ctl, postgres), and they were not found"
                : "no connection settings were found, and the PostgreSQL server binaries for a throwaway local server were not found") + BinDirectoryNote(),
            options.FailoverDemo
                ? "apt-get install postgresql (or point PGSECURE_PG_BINDIR at the directory holding initdb and pg_ctl)"
                : $"apt-get install postgresql (or point PGSECURE_PG_BINDIR at its bin directory), or use your database: set DATABASE_URL ({EnvExample})"),
        PostgresTestBedException failed => new(
            $"the throwaway local PostgreSQL could not start: {FirstLine(failed.Message)}",
            $"run again with --verbose for the details, or use a real server: set DATABASE_URL ({EnvExample})"),
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } denied => new(
            $"the server refused a statement: {denied.SqlState} {denied.MessageText}",
            "grant the user CREATE on its schema (GRANT CREATE ON SCHEMA public TO <user>), or run with --check, which writes nothing"),
        PostgresException rejected => new(
            $"the server refused a statement: {rejected.SqlState} {rejected.MessageText}",
            "see the server's log for the statement and its context"),
        NpgsqlException broken => new(
            $"the connection broke during a query: {FirstLine(broken.Message)}",
            "run again: the factory opens a fresh connection, failing over to the next server if there is one"),
        _ => null,
    };

    private static Diagnosis ForConnectionFailure(ConnectionFailedException failed)
    {
        var what = failed.Kind switch
        {
            ConnectionFailureKind.Unreachable => "the server could not be reached",
            ConnectionFailureKind.HostNotFound => "host name not found",
            ConnectionFailureKind.Timeout => "the server did not answer in time",
            ConnectionFailureKind.ServerUnavailable => "the server is not accepting connections right now",
            ConnectionFailureKind.WrongServerRole => "no server of the requested kind (target_session_attrs)",
            ConnectionFailureKind.Authentication => "authentication failed",
            ConnectionFailureKind.AuthenticationMethodRefused => "the server's authentication method was refused",
            ConnectionFailureKind.DatabaseNotFound => "the database does not exist",
            ConnectionFailureKind.PermissionDenied => "the user may not connect to this database",
            ConnectionFailureKind.Certificate => "the server's certificate was rejected",
            ConnectionFailureKind.TlsUnavailable => "TLS could not be established",
            ConnectionFailureKind.PoolExhausted => "the connection pool is exhausted",
            _ => "the connection failed",
        };
        var servers = string.Join(", ", failed.Attempts.Select(a => a.Server).Distinct());
        var attempts = failed.Attempts.Count == 1 ? "1 attempt" : $"{failed.Attempts.Count} attempts";
        var detail = failed.Attempts.Count > 0 ? $": {failed.Attempts[^1].Error}" : string.Empty;
        var fix = failed.Hint.Length > 0 ? failed.Hint : "run again with --verbose to see every attempt";
        return new($"{what} at {servers} ({attempts} in {failed.Elapsed.TotalSeconds:F1} s){detail}", fix);
    }

    private static Diagnosis ForConfiguration(ConnectionConfigurationException invalid, SampleOptions options)
    {
        if (invalid.Key == "EnvFilePath")
        {
            return new(
                $"the .env file '{Path.GetFullPath(options.EnvFile ?? ".env")}' given with --env-file does not exist",
                $"pass the path of an existing file, or create one from the example: {EnvExample}");
        }

        if (IsNothingConfigured(invalid))
        {
            return new(
                "no PostgreSQL connection settings found (DATABASE_URL, DB_HOST/DB_NAME/DB_USER/DB_PASSWORD or PG* in the environment or .env); --check never starts a throwaway server",
                $"set DATABASE_URL=postgresql://user:password@host:5432/dbname?sslmode=verify-full&sslrootcert=/path/to/ca.crt in the environment or .env ({EnvExample})");
        }

        var first = invalid.Problems[0];
        var more = invalid.Problems.Count > 1 ? $" (and {invalid.Problems.Count - 1} more problem(s): run with --verbose to list them)" : string.Empty;
        if (first.Key == "sslmode")
        {
            return new(
                $"SSL policy violation: {first}{more}",
                "use sslmode=verify-full&sslrootcert=<the server's CA file> in DATABASE_URL (or DB_SSLMODE=verify-full, DB_SSLROOTCERT=...); sslmode=require encrypts without verifying");
        }

        var origin = first.Source?.ToString();
        var what = origin is null ? first.Key : origin.Contains(first.Key, StringComparison.Ordinal) ? origin : $"{first.Key} ({origin})";
        return new($"invalid connection settings: {first}{more}", $"correct {what}; .env.example lists the accepted variables and URL forms");
    }

    private static string BinDirectoryNote()
        => Environment.GetEnvironmentVariable(PostgresInstallation.BinDirectoryVariable) is { Length: > 0 } directory
            ? $" ({PostgresInstallation.BinDirectoryVariable}={directory} does not hold them)"
            : string.Empty;

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
