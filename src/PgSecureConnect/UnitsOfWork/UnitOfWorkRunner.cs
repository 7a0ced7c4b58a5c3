using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Logging;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>
/// Runs units of work for one factory: the first try costs what opening, running the work and disposing by hand costs;
/// from the first failure on, <see cref="UnitOfWorkRun{TResult}"/> decides every retry. PgSecureConnect's own
/// factories keep one runner with their <see cref="RetryPolicy"/>, <see cref="TimeProvider"/>, logger and per-server
/// pools; any other <see cref="IConnectionFactory"/> gets the default policy and no pool clearing.
/// </summary>
internal sealed class UnitOfWorkRunner
{
    private readonly ConnectionFactoryCore? _core;
    private readonly IConnectionFactory? _factory;

    public UnitOfWorkRunner(ConnectionFactoryCore core, RetryPolicy retry, TimeProvider time, ILogger logger, string factoryName)
    {
        _core = core;
        Retry = retry;
        Time = time;
        Logger = logger;
        FactoryName = factoryName;
    }

    private UnitOfWorkRunner(IConnectionFactory factory)
    {
        _factory = factory;
        Retry = RetryPolicy.Default;
        Time = TimeProvider.System;
        Logger = NullLogger.Instance;
        FactoryName = factory.GetType().Name;
    }

    public RetryPolicy Retry { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public string FactoryName { get; }

    public static UnitOfWorkRunner For(IConnectionFactory factory)
        => factory is PooledConnectionFactory pooled ? pooled.UnitOfWork : new UnitOfWorkRunner(factory);

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
        => _core is not null ? _core.OpenConnectionAsync(cancellationToken) : _factory!.OpenConnectionAsync(cancellationToken);

    public NpgsqlConnection Open() => _core is not null ? _core.OpenConnection() : _factory!.OpenConnection();

    /// <summary>
    /// The factory's server a connection went to, as the settings name it: a connection a race routed to one address of
    /// a host name (<see cref="HostAddresses"/>) reports the address, and is named by the server's host name here, so that
    /// reports name what the caller configured and <see cref="ClearPool"/> finds the server.
    /// </summary>
    public ServerEndpoint ServerOf(string host, int port)
    {
        var reported = new ServerEndpoint(host, port);
        if (_core is null || !System.Net.IPAddress.TryParse(host, out var address))
        {
            return reported;
        }

        HostState? byAddress = null;
        foreach (var state in _core.Hosts)
        {
            if (state.Server == reported)
            {
                return reported;
            }

            if (byAddress is null && state.Server.Port == port && state.Addresses?.Contains(address) == true)
            {
                byAddress = state;
            }
        }

        return byAddress?.Server ?? reported;
    }

    /// <summary>
    /// Clears the pool of the server a failed connection went to: its other idle connections point at a server that is
    /// gone or has changed role, and handing them out would fail the next unit the same way.
    /// </summary>
    public void ClearPool(ServerEndpoint server, string reason)
    {
        if (_core is null)
        {
            return;
        }

        foreach (var host in _core.Hosts)
        {
            if (host.Server.Port == server.Port && string.Equals(host.Server.Host, server.Host, StringComparison.OrdinalIgnoreCase))
            {
                host.ClearPools();
                Log.PoolCleared(Logger, host.Server.Host, host.Server.Port, "a unit of work failed on it: " + reason);
            }
        }
    }

    /// <summary>The fast path of <c>ExecuteAsync</c>: no allocation of ours unless a try fails.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TResult> ExecuteAsync<TState, TResult>(TState state, Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        NpgsqlConnection? connection = null;
        string? host = null;
        var port = 0;
        TResult result;
        try
        {
            connection = await OpenAsync(cancellationToken).ConfigureAwait(false);

            // Read while it is open: a broken connection no longer names its server.
            host = connection.Host;
            port = connection.Port;
            result = await work(connection, state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && UnitOfWorkRun<TResult>.MayRetry(e))
        {
            var run = new UnitOfWorkRun<TResult>(this, new StateWork<TState, TResult>(state, work), async: true, started, cancellationToken);
            var failure = await run.FirstTryFailedAsync(connection, host is null ? null : ServerOf(host, port), e).ConfigureAwait(false);
            return await run.ContinueAsync(failure).ConfigureAwait(false);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>Every other overload: transactions, and the synchronous methods (<paramref name="async"/> false: everything inside completes synchronously).</summary>
    public ValueTask<TResult> RunAsync<TResult>(UnitBody<TResult> body, bool async, CancellationToken cancellationToken)
        => new UnitOfWorkRun<TResult>(this, body, async, Time.GetTimestamp(), cancellationToken).ExecuteAsync();

    public TResult Run<TResult>(UnitBody<TResult> body)
    {
        var pending = RunAsync(body, async: false, CancellationToken.None);
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
