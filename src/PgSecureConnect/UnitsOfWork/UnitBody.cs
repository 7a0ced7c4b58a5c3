using Npgsql;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>The caller's work (and verification), whichever public overload it came through, behind one shape for <see cref="UnitOfWorkRun{TResult}"/>.</summary>
internal abstract class UnitBody<TResult>
{
    /// <summary>Whether the work runs between <c>BEGIN</c> and <c>COMMIT</c>.</summary>
    public abstract bool InTransaction { get; }

    /// <summary>Whether a <c>verifySucceeded</c> was given.</summary>
    public abstract bool CanVerify { get; }

    public abstract ValueTask<TResult> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    public virtual ValueTask<bool> VerifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => throw new InvalidOperationException("No verifySucceeded was given.");
}

/// <summary><c>ExecuteAsync</c>: work with caller state, no transaction.</summary>
internal sealed class StateWork<TState, TResult>(TState state, Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work) : UnitBody<TResult>
{
    public override bool InTransaction => false;

    public override bool CanVerify => false;

    public override ValueTask<TResult> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
        => new(work(connection, state, cancellationToken));
}

/// <summary><c>ExecuteInTransactionAsync</c>.</summary>
internal sealed class TransactionWork<TResult>(
    Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<TResult>> work,
    Func<NpgsqlConnection, CancellationToken, Task<bool>>? verifySucceeded) : UnitBody<TResult>
{
    public override bool InTransaction => true;

    public override bool CanVerify => verifySucceeded is not null;

    public override ValueTask<TResult> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
        => new(work(connection, transaction!, cancellationToken));

    public override ValueTask<bool> VerifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => new(verifySucceeded!(connection, cancellationToken));
}

/// <summary><c>Execute</c>: synchronous work, no transaction.</summary>
internal sealed class SyncWork<TResult>(Func<NpgsqlConnection, TResult> work) : UnitBody<TResult>
{
    public override bool InTransaction => false;

    public override bool CanVerify => false;

    public override ValueTask<TResult> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
        => new(work(connection));
}

/// <summary><c>ExecuteInTransaction</c>: synchronous work in a transaction.</summary>
internal sealed class SyncTransactionWork<TResult>(
    Func<NpgsqlConnection, NpgsqlTransaction, TResult> work,
    Func<NpgsqlConnection, bool>? verifySucceeded) : UnitBody<TResult>
{
    public override bool InTransaction => true;

    public override bool CanVerify => verifySucceeded is not null;

    public override ValueTask<TResult> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
        => new(work(connection, transaction!));

    public override ValueTask<bool> VerifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        => new(verifySucceeded!(connection));
}
