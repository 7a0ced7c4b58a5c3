using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>Npgsql connection strings and one-liners for tests that talk to test-bed servers directly.</summary>
internal static class Connect
{
    /// <summary>TCP to the server as its SCRAM user, no pooling, short timeouts.</summary>
    public static NpgsqlConnectionStringBuilder To(PostgresServer server, SslMode sslMode = SslMode.Disable, string? rootCertificate = null) =>
        To(server.Host, server.Port, server, sslMode, rootCertificate);

    /// <summary>TCP to <paramref name="host"/>:<paramref name="port"/> with <paramref name="server"/>'s user, password and database.</summary>
    public static NpgsqlConnectionStringBuilder To(string host, int port, PostgresServer server, SslMode sslMode = SslMode.Disable, string? rootCertificate = null) => new()
    {
        Host = host,
        Port = port,
        Database = server.Database,
        Username = server.Username,
        Password = server.Password,
        SslMode = sslMode,
        RootCertificate = rootCertificate,
        Pooling = false,
        Timeout = 10,
        CommandTimeout = 30,
    };

    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder)
    {
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Opens, runs one query, closes.</summary>
    public static async Task<T?> QueryAsync<T>(NpgsqlConnectionStringBuilder builder, string sql)
    {
        await using var connection = await OpenAsync(builder);
        return await ScalarAsync<T>(connection, sql);
    }

    /// <summary>Runs <paramref name="action"/> and returns the exception it threw and how long it took (fails the test if nothing was thrown).</summary>
    public static async Task<(Exception Exception, TimeSpan Elapsed)> FailureOf(Func<Task> action)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await action();
        }
        catch (Exception exception)
        {
            return (exception, stopwatch.Elapsed);
        }

        throw new Xunit.Sdk.XunitException("Expected the operation to fail, but it succeeded.");
    }

    /// <summary>The exception and all its inner exceptions.</summary>
    public static IEnumerable<Exception> Chain(this Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
