using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Sample;

/// <summary>
/// <c>--failover-demo</c>: two throwaway servers, one factory over both
/// (<c>postgresql://…@127.0.0.1:p1,127.0.0.1:p2/app?sslmode=verify-full</c>), an open-and-query loop that prints which
/// server answered, the first server stopped mid-run, and finally both down to show the factory's attempt report.
/// </summary>
internal static class FailoverDemo
{
    private const int Rounds = 10;
    private const int StopFirstServerBeforeRound = 5;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    public static async Task RunAsync(bool verbose, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine("Failover demo: starting two throwaway PostgreSQL servers with TLS (PgSecureConnect.Testing) ...");
        await using var bed = await PostgresTestBed.StartAsync(cancellationToken);
        var serverOptions = new PostgresServerOptions { Tls = ServerTlsMode.HostSslOnly };
        PostgresServer[] servers = [
            await bed.StartServerAsync(serverOptions, cancellationToken),
            await bed.StartServerAsync(serverOptions, cancellationToken),
        ];

        // The recorder shows what the factory did behind each open; --verbose also logs it all to standard error.
        var recorder = new AttemptRecorder();
        using var loggerFactory = LoggerFactory.Create(builder =>
        {
            builder.AddProvider(recorder);
            if (verbose)
            {
                SampleLogging.AddConsole(builder);
            }
        });
        var options = new ConnectionFactoryOptions
        {
            LoggerFactory = loggerFactory,
            ApplicationName = "PgSecureConnect.Sample failover demo",

            // Short limits so that the end of the demo, with both servers down, gives up within a few seconds.
            Retry = new RetryPolicy
            {
                MaxAttempts = 3,
                MaxDelay = TimeSpan.FromMilliseconds(250),
                ConnectTimeout = TimeSpan.FromSeconds(2),
                OverallTimeout = TimeSpan.FromSeconds(10),
            },
        };
        await using var factory = ConnectionFactory.FromUrl(EmbeddedServer.BuildUrl(bed, servers, host: "127.0.0.1"), options);
        output.WriteLine($"Factory: {factory.Settings}");
        output.WriteLine($"Servers: 1 = {factory.Settings.Servers[0]}, 2 = {factory.Settings.Servers[1]}");
        output.WriteLine();
        Print(recorder, output);

        for (var round = 1; round <= Rounds; round++)
        {
            if (round == StopFirstServerBeforeRound)
            {
                output.WriteLine($"  -- stopping server 1 ({servers[0].Host}:{servers[0].Port}) with StopMode.Immediate, as if its machine died --");
                await servers[0].StopAsync(StopMode.Immediate, cancellationToken);
            }

            await RunRoundAsync(round, factory, servers, output, cancellationToken);
            Print(recorder, output);
            await Task.Delay(Pause, cancellationToken);
        }

        output.WriteLine($"  -- stopping server 2 ({servers[1].Host}:{servers[1].Port}) as well: now nothing can answer --");
        await servers[1].StopAsync(StopMode.Immediate, cancellationToken);
        try
        {
            // The pool still holds an idle connection to server 2: the open hands it out, the query finds it broken,
            // and the retry's open then tries both servers and gives up with the attempt report.
            await RunRoundAsync(Rounds + 1, factory, servers, output, cancellationToken);
            output.WriteLine("  unexpected: a query succeeded with both servers down");
        }
        catch (ConnectionFailedException failed)
        {
            output.WriteLine($"  open failed as expected after {failed.Elapsed.TotalSeconds:F1} s: Kind={failed.Kind}, IsTransient={failed.IsTransient}, {failed.Attempts.Count} attempts:");
            foreach (var attempt in failed.Attempts)
            {
                output.WriteLine($"    - {attempt}");
            }

            output.WriteLine($"    hint: {failed.Hint}");
        }

        _ = recorder.Drain().Count();
        output.WriteLine();
        output.WriteLine("Done; the throwaway servers are stopped and their files deleted.");
    }

    private static async Task RunRoundAsync(int round, IConnectionFactory factory, PostgresServer[] servers, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await using var connection = await factory.OpenConnectionAsync(cancellationToken);
            var opened = clock.Elapsed;
            await using var command = new NpgsqlCommand("SELECT inet_server_port()", connection);
            var port = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            var which = Array.FindIndex(servers, s => s.Port == port) + 1;
            output.WriteLine($"  round {round,2}: answered by server {which} (127.0.0.1:{port}); open {Report.Milliseconds(opened)}, open + query {Report.Milliseconds(clock.Elapsed)}");
        }
        catch (NpgsqlException broken) when (broken is not ConnectionFailedException)
        {
            // A pooled connection to the server that died is only found broken when used: an application retries its
            // unit of work, and the factory's next open goes to a server that answers.
            output.WriteLine($"  round {round,2}: the query failed after {Report.Milliseconds(clock.Elapsed)} on a connection the stop broke ({broken.GetType().Name}, transient: {broken.IsTransient}); retrying");
            await using var connection = await factory.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT inet_server_port()", connection);
            var port = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            output.WriteLine($"            retry answered by server {Array.FindIndex(servers, s => s.Port == port) + 1} (127.0.0.1:{port}) after {Report.Milliseconds(clock.Elapsed)} in all");
        }
    }

    private static void Print(AttemptRecorder recorder, TextWriter output)
    {
        foreach (var line in recorder.Drain())
        {
            output.WriteLine($"            factory log: {line}");
        }
    }
}
