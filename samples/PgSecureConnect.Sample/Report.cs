using System.Diagnostics;
using Npgsql;

namespace PgSecureConnect.Sample;

/// <summary>
/// The numbered report: where the settings came from, which server answered, how the connection is protected, how
/// long connecting took, a parameterized query and a transaction. Everything printed is safe to paste into a ticket:
/// the password is never shown.
/// </summary>
internal static class Report
{
    public static void Settings(ConnectionSettings settings, TextWriter output)
    {
        // Describe() lists each value with its source; secrets show as "(set, not shown)".
        foreach (var line in settings.Describe().Split('\n'))
        {
            output.WriteLine($"    {line}");
        }
    }

    public static void Timing(TimeSpan firstOpen, TimeSpan pooledOpen, TextWriter output)
    {
        output.WriteLine($"    first open:  {Milliseconds(firstOpen)} (a new connection: TCP, TLS handshake, certificate check, authentication; includes the one-time warm-up of the process)");
        output.WriteLine($"    second open: {Milliseconds(pooledOpen)} (reused from the pool)");
    }

    public static async Task ServerAsync(NpgsqlConnection connection, TextWriter output, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT host(inet_server_addr()), inet_server_port(), pg_is_in_recovery(), current_setting('server_version'), current_database(), current_user",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);

        // inet_server_addr() is null over a Unix-domain socket: then the connection's own host (the socket directory) says it.
        var address = reader.IsDBNull(0) ? $"{connection.Host} (Unix socket)" : $"{reader.GetString(0)}:{reader.GetInt32(1)}";
        var role = reader.GetBoolean(2) ? "standby (read-only, in recovery)" : "primary (read-write)";
        output.WriteLine($"    server:   {address}, reached as {connection.Host}:{connection.Port}");
        output.WriteLine($"    role:     {role}");
        output.WriteLine($"    version:  PostgreSQL {reader.GetString(3)}");
        output.WriteLine($"    session:  database {reader.GetString(4)}, user {reader.GetString(5)}");
    }

    public static async Task EncryptionAsync(NpgsqlConnection connection, ConnectionSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT ssl, version, cipher, bits FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var encrypted = await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0);
        output.WriteLine(encrypted
            ? $"    encrypted: yes, {reader.GetString(1)}, {reader.GetString(2)} ({reader.GetInt32(3)}-bit)"
            : "    encrypted: NO, the connection runs in plaintext");

        var mode = settings.SslMode;
        var source = settings.GetSource("sslmode") is { } s ? $"  [{s}]" : string.Empty;
        output.WriteLine($"    sslmode:   {SslModeName(mode)}{source}");
        output.WriteLine($"    verified:  {Verification(mode, encrypted)}");
        if (mode is Npgsql.SslMode.VerifyCA or Npgsql.SslMode.VerifyFull)
        {
            output.WriteLine($"    trusted:   {(settings.UsesSystemRootCertificates || settings.SslRootCertificate is null ? "the operating system's CA store" : settings.SslRootCertificate)}");
        }
    }

    private static string Verification(Npgsql.SslMode? mode, bool encrypted) => mode switch
    {
        _ when !encrypted => "no: nothing protects the traffic or proves who the server is",
        Npgsql.SslMode.VerifyFull => "yes: certificate chain and host name",
        Npgsql.SslMode.VerifyCA => "partly: certificate chain, but not the host name (use sslmode=verify-full)",
        _ => "no: encrypted, but the server's certificate is not checked, so a man in the middle goes unnoticed (use sslmode=verify-full)",
    };

    private static string SslModeName(Npgsql.SslMode? mode) => mode switch
    {
        null => "(not set)",
        Npgsql.SslMode.VerifyCA => "verify-ca",
        Npgsql.SslMode.VerifyFull => "verify-full",
        var other => other.Value.ToString().ToLowerInvariant(),
    };

    public static async Task ParameterizedQueryAsync(NpgsqlConnection connection, TextWriter output, CancellationToken cancellationToken)
    {
        // Values travel as parameters ($1), never spliced into the SQL text.
        const string sql = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1";
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = "pg_catalog" } } };
        var count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        output.WriteLine($"    {sql}   with $1 = 'pg_catalog'");
        output.WriteLine($"    => {count} tables");
    }

    public static async Task TransactionsAsync(NpgsqlConnection connection, TextWriter output, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection,
            "CREATE TABLE IF NOT EXISTS sample_notes(id bigserial primary key, body text not null, created_at timestamptz default now())",
            cancellationToken);
        var before = await CountNotesAsync(connection, cancellationToken);
        output.WriteLine($"    sample_notes holds {before} row(s)");

        long id;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            id = await InsertNoteAsync(connection, $"written by the PgSecureConnect sample at {DateTimeOffset.UtcNow:O}", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var afterCommit = await CountNotesAsync(connection, cancellationToken);
        output.WriteLine($"    transaction 1: inserted note {id}, committed     => {afterCommit} row(s)");

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var doomed = await InsertNoteAsync(connection, "this note never becomes visible", cancellationToken);
            var inside = await CountNotesAsync(connection, cancellationToken);
            await transaction.RollbackAsync(cancellationToken);
            output.WriteLine($"    transaction 2: inserted note {doomed} ({inside} row(s) inside it), rolled back");
        }

        var afterRollback = await CountNotesAsync(connection, cancellationToken);
        output.WriteLine(afterRollback == afterCommit
            ? $"    after the rollback: {afterRollback} row(s), the same as before it: nothing left behind"
            : $"    after the rollback: {afterRollback} row(s), but {afterCommit} before it: another session wrote meanwhile");
    }

    private static async Task<long> InsertNoteAsync(NpgsqlConnection connection, string body, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO sample_notes(body) VALUES ($1) RETURNING id", connection)
        {
            Parameters = { new() { Value = body } },
        };
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<long> CountNotesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM sample_notes", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static void Section(TextWriter output, int number, string title)
    {
        output.WriteLine();
        output.WriteLine($"({number}) {title}");
    }

    internal static string Milliseconds(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:F1} ms";
}
