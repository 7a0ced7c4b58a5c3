using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>An open that never outlives its token, shared by the opener and the hosting package's health probe.</summary>
internal static class BoundedOpen
{
    /// <summary>
    /// Npgsql stops watching the cancellation token once the TCP connection is up (TLS and authentication then run
    /// to Npgsql's own whole-second Timeout), so the wait is bounded here by the same token: the per-server timeout,
    /// the overall deadline or the caller. A connection that arrives after that is closed.
    /// </summary>
    public static async ValueTask<NpgsqlConnection> WaitAsync(ValueTask<NpgsqlConnection> open, CancellationToken token)
    {
        if (open.IsCompleted)
        {
            return await open.ConfigureAwait(false);
        }

        var task = open.AsTask();
        try
        {
            return await task.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Also when the open completed just after the wait gave up: a connection it brought must go back to its pool.
            _ = task.ContinueWith(
                static late =>
                {
                    if (late.IsCompletedSuccessfully)
                    {
                        late.Result.Dispose();
                    }
                    else
                    {
                        _ = late.Exception;
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }
}
