using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// Runs before any hosted service starts (<see cref="IHostedLifecycleService.StartingAsync"/>), so before the web
/// server takes traffic: builds every registered factory, failing the host with one
/// <see cref="ConnectionConfigurationException"/> that lists every problem of every database, then warms up the
/// pools of those that ask for it.
/// </summary>
internal sealed class PgSecureConnectStartup(IServiceProvider services, PgSecureConnectRegistry registry, ILoggerFactory? loggerFactory = null) : IHostedLifecycleService
{
    private readonly ILogger _logger = loggerFactory?.CreateLogger("PgSecureConnect.Hosting") ?? NullLogger.Instance;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var databases = new List<PgSecureConnectDatabase>();
        var failures = new List<ConnectionConfigurationException>();
        foreach (var registration in registry.Registrations)
        {
            var database = services.GetRequiredKeyedService<PgSecureConnectDatabase>(registration);
            try
            {
                _ = database.Factory;
                databases.Add(database);
            }
            catch (ConnectionConfigurationException e)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            var failure = failures.Count == 1 ? failures[0] : new ConnectionConfigurationException(failures.SelectMany(f => f.Problems).ToArray());
            HostingLog.StartFailed(_logger, failure.Message);
            throw failure;
        }

        foreach (var database in databases.Where(d => d.Hosting.WarmUpOnStart))
        {
            await WarmUpAsync(database, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Opens <c>MinPoolSize</c> connections (at least one) to every server at once and returns them to the pools.</summary>
    private async Task WarmUpAsync(PgSecureConnectDatabase database, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var factory = database.Factory;
        var count = Math.Max(1, factory.Settings.MinPoolSize ?? 0);
        var hosts = FactoryInternals.HostsOf(factory);
        var timeout = factory.Settings.ConnectTimeout ?? TimeSpan.FromSeconds(10);
        var results = await Task.WhenAll(hosts.Select(host => WarmUpHostAsync(database.Registration.Name, host, count, timeout, cancellationToken))).ConfigureAwait(false);
        HostingLog.WarmedUp(_logger, database.Registration.Name, results.Sum(), string.Join(", ", hosts.Select(h => h.Server)), (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<int> WarmUpHostAsync(string name, HostState host, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var opens = Enumerable.Range(0, count).Select(_ => ServerProbe.OpenBoundedAsync(host.DataSource, bounded.Token)).ToList();
        var opened = 0;
        foreach (var open in opens)
        {
            try
            {
                var connection = await open.ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                opened++;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var classification = TransientFailureClassifier.Classify(e is OperationCanceledException ? new TimeoutException("no answer within the connect timeout", e) : e);
                HostingLog.WarmUpFailed(_logger, name, host.Server.ToString(), classification.Kind, classification.Description);
            }
        }

        return opened;
    }
}
