using Npgsql;
using PgSecureConnect.UnitsOfWork;

namespace PgSecureConnect;

/// <summary>
/// Runs a unit of work on a connection from an <see cref="IConnectionFactory"/>, and runs it again on a fresh
/// connection when it fails for a transient reason: the connection was lost, the server shut down or was demoted
/// (57P01/57P02/57P03, class 08, 25006 after a failover), a serialization failure or deadlock (40001, 40P01), too many
/// connections (53300). Waits, tries and time come from the factory's <see cref="RetryPolicy"/>
/// (<see cref="RetryPolicy.MaxAttempts"/> tries, the backoff, <see cref="RetryPolicy.OverallTimeout"/>). Never retried:
/// logins, privileges, syntax and constraint errors (28xxx, 42xxx, 23xxx), a cancelled token, and exceptions of the work
/// that are not database failures; those are thrown as they are. When every try fails,
/// <see cref="UnitOfWorkFailedException"/> lists them. A unit may run more than once, so it must be safe to repeat:
/// idempotent, or a transaction whose effect <c>verifySucceeded</c> can recognise (see docs/units-of-work.md).
/// </summary>
public static class ConnectionFactoryUnitOfWorkExtensions
{
    /// <summary>
    /// Opens a connection, runs <paramref name="work"/> on it, and runs it again on a fresh connection after a transient
    /// failure. The work is not in a transaction: each statement commits on its own, so it must be idempotent.
    /// </summary>
    /// <typeparam name="TResult">What the work returns.</typeparam>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The unit of work; receives the open connection and <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels the unit, including retries and waits; never retried.</param>
    /// <returns>What the last try of <paramref name="work"/> returned.</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask<TResult> ExecuteAsync<TResult>(this IConnectionFactory factory, Func<NpgsqlConnection, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        return UnitOfWorkRunner.For(factory).ExecuteAsync(work, static (connection, work, cancellationToken) => work(connection, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ExecuteAsync{TResult}(IConnectionFactory, Func{NpgsqlConnection, CancellationToken, Task{TResult}}, CancellationToken)"/>,
    /// with <paramref name="state"/> passed to the work, so a <see langword="static"/> lambda captures nothing.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <typeparam name="TResult">What the work returns.</typeparam>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="state">Passed to every try of <paramref name="work"/>.</param>
    /// <param name="work">The unit of work; receives the open connection, <paramref name="state"/> and <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels the unit, including retries and waits; never retried.</param>
    /// <returns>What the last try of <paramref name="work"/> returned.</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask<TResult> ExecuteAsync<TState, TResult>(this IConnectionFactory factory, TState state, Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        return UnitOfWorkRunner.For(factory).ExecuteAsync(state, work, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ExecuteAsync{TResult}(IConnectionFactory, Func{NpgsqlConnection, CancellationToken, Task{TResult}}, CancellationToken)"/>, for work that returns nothing.
    /// </summary>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The unit of work; receives the open connection and <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels the unit, including retries and waits; never retried.</param>
    /// <returns>A task that completes when a try of <paramref name="work"/> succeeded.</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async ValueTask ExecuteAsync(this IConnectionFactory factory, Func<NpgsqlConnection, CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        await UnitOfWorkRunner.For(factory).ExecuteAsync(work, static async (connection, work, cancellationToken) =>
        {
            await work(connection, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a connection, begins a transaction, runs <paramref name="work"/> and commits; after a transient failure it
    /// runs the whole transaction again on a fresh connection. When the connection is lost while <c>COMMIT</c> is on its
    /// way the outcome is unknown: <paramref name="verifySucceeded"/> then runs on a fresh connection, and the unit is
    /// run again only if it says the effect is not there. Without <paramref name="verifySucceeded"/>,
    /// <see cref="CommitOutcomeUnknownException"/> is thrown instead of guessing. An error the server answers
    /// <c>COMMIT</c> with (a serialization failure, a deferred constraint) means the transaction was rolled back, and is
    /// handled like any other error.
    /// </summary>
    /// <typeparam name="TResult">What the work returns.</typeparam>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The transaction's work; receives the open connection, the transaction and <paramref name="cancellationToken"/>. Do not commit or roll back in it.</param>
    /// <param name="verifySucceeded">
    /// Whether the unit's effect is already in the database, for example <c>SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)</c>
    /// with a key generated by the client before the unit; receives a fresh connection. <see langword="null"/> for none.
    /// </param>
    /// <param name="cancellationToken">Cancels the unit, including retries and waits; never retried. Once <c>COMMIT</c> is sent its answer is awaited (Npgsql's command timeout bounds it), so a cancellation never hides a commit the server may have applied.</param>
    /// <returns>What <paramref name="work"/> returned in the try that committed (or whose commit <paramref name="verifySucceeded"/> confirmed).</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="CommitOutcomeUnknownException">The connection was lost during <c>COMMIT</c>, and <paramref name="verifySucceeded"/> was not given or could not be run.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask<TResult> ExecuteInTransactionAsync<TResult>(
        this IConnectionFactory factory,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<TResult>> work,
        Func<NpgsqlConnection, CancellationToken, Task<bool>>? verifySucceeded = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        return UnitOfWorkRunner.For(factory).RunAsync(new TransactionWork<TResult>(work, verifySucceeded), async: true, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ExecuteInTransactionAsync{TResult}"/>, for work that returns nothing.
    /// </summary>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The transaction's work; receives the open connection, the transaction and <paramref name="cancellationToken"/>. Do not commit or roll back in it.</param>
    /// <param name="verifySucceeded">Whether the unit's effect is already in the database; receives a fresh connection. <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the unit, including retries and waits; never retried. Once <c>COMMIT</c> is sent its answer is awaited (Npgsql's command timeout bounds it), so a cancellation never hides a commit the server may have applied.</param>
    /// <returns>A task that completes when the transaction committed (or its commit was confirmed).</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="CommitOutcomeUnknownException">The connection was lost during <c>COMMIT</c>, and <paramref name="verifySucceeded"/> was not given or could not be run.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async ValueTask ExecuteInTransactionAsync(
        this IConnectionFactory factory,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work,
        Func<NpgsqlConnection, CancellationToken, Task<bool>>? verifySucceeded = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        await factory.ExecuteInTransactionAsync(
            async (connection, transaction, cancellationToken) =>
            {
                await work(connection, transaction, cancellationToken).ConfigureAwait(false);
                return true;
            },
            verifySucceeded,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Synchronous <see cref="ExecuteAsync{TResult}(IConnectionFactory, Func{NpgsqlConnection, CancellationToken, Task{TResult}}, CancellationToken)"/>.</summary>
    /// <typeparam name="TResult">What the work returns.</typeparam>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The unit of work; receives the open connection.</param>
    /// <returns>What the last try of <paramref name="work"/> returned.</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    public static TResult Execute<TResult>(this IConnectionFactory factory, Func<NpgsqlConnection, TResult> work)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        return UnitOfWorkRunner.For(factory).Run(new SyncWork<TResult>(work));
    }

    /// <summary>Synchronous <see cref="ExecuteAsync(IConnectionFactory, Func{NpgsqlConnection, CancellationToken, Task}, CancellationToken)"/>.</summary>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The unit of work; receives the open connection.</param>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    public static void Execute(this IConnectionFactory factory, Action<NpgsqlConnection> work)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        UnitOfWorkRunner.For(factory).Run(new SyncWork<bool>(connection =>
        {
            work(connection);
            return true;
        }));
    }

    /// <summary>Synchronous <see cref="ExecuteInTransactionAsync{TResult}"/>.</summary>
    /// <typeparam name="TResult">What the work returns.</typeparam>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The transaction's work; receives the open connection and the transaction. Do not commit or roll back in it.</param>
    /// <param name="verifySucceeded">Whether the unit's effect is already in the database; receives a fresh connection. <see langword="null"/> for none.</param>
    /// <returns>What <paramref name="work"/> returned in the try that committed (or whose commit <paramref name="verifySucceeded"/> confirmed).</returns>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="CommitOutcomeUnknownException">The connection was lost during <c>COMMIT</c>, and <paramref name="verifySucceeded"/> was not given or could not be run.</exception>
    public static TResult ExecuteInTransaction<TResult>(this IConnectionFactory factory, Func<NpgsqlConnection, NpgsqlTransaction, TResult> work, Func<NpgsqlConnection, bool>? verifySucceeded = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        return UnitOfWorkRunner.For(factory).Run(new SyncTransactionWork<TResult>(work, verifySucceeded));
    }

    /// <summary>Synchronous <see cref="ExecuteInTransactionAsync(IConnectionFactory, Func{NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task}, Func{NpgsqlConnection, CancellationToken, Task{bool}}?, CancellationToken)"/>.</summary>
    /// <param name="factory">The factory to open connections with.</param>
    /// <param name="work">The transaction's work; receives the open connection and the transaction. Do not commit or roll back in it.</param>
    /// <param name="verifySucceeded">Whether the unit's effect is already in the database; receives a fresh connection. <see langword="null"/> for none.</param>
    /// <exception cref="UnitOfWorkFailedException">Every try allowed by the retry policy failed; the exception lists them.</exception>
    /// <exception cref="CommitOutcomeUnknownException">The connection was lost during <c>COMMIT</c>, and <paramref name="verifySucceeded"/> was not given or could not be run.</exception>
    public static void ExecuteInTransaction(this IConnectionFactory factory, Action<NpgsqlConnection, NpgsqlTransaction> work, Func<NpgsqlConnection, bool>? verifySucceeded = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        UnitOfWorkRunner.For(factory).Run(new SyncTransactionWork<bool>(
            (connection, transaction) =>
            {
                work(connection, transaction);
                return true;
            },
            verifySucceeded));
    }
}
