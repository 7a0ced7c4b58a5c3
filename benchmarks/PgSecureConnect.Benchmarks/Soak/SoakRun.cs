using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;
using PgSecureConnect.Benchmarks.Load;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// The chaos soak (issue 16): 32 workers read and write through factories against a primary, its synchronous standby and
/// PgBouncer while a bounded fault loop kills and promotes, freezes, restarts, black-holes, refuses and terminates
/// sessions. At the end: every acknowledged write is looked up on the final primary (lost, duplicated), the workers'
/// connections are counted on the servers, PgBouncer and this process's sockets once the factories are disposed
/// (leaked), and RSS after the warm-up is compared with RSS at the end of the faults (both after a full GC). Prints one
/// final line, <c>soak: seconds=N ops=… failed=… lost=… duplicated=… leaked_connections=… rss_growth_mb=…</c>, and exits
/// non-zero when lost, duplicated or leaked_connections is not 0 (or the harness itself broke).
/// </summary>
internal static class SoakRun
{
    private const int Writers = 16;
    private const int Readers = 8;
    private const int OpenReaders = 4;
    private const int BouncerReaders = 4;
    private static readonly string[] DirectApplicationNames = ["soak_writers", "soak_readers", "soak_openers"];

    /// <summary>
    /// Long enough to ride out a fault: opens keep looking for a (writable) server for up to 30 s, briefly apart. The
    /// default policy (5 attempts) gives up during a promotion; a service that must ride out failovers configures this.
    /// The connect timeout is 5 s, not the integration tests' 2 s: on a CPU-starved machine (load 14 on 2 cores, the soak
    /// under nice) the first burst of 32 TLS + SCRAM opens took over 2 s, and the primary was skipped as unreachable.
    /// </summary>
    private static readonly RetryPolicy RidingOut = new()
    {
        MaxAttempts = 200,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(250),
        OverallTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        // Every way out removes this process's iptables rules (a frozen server is thawed by the test bed's own exit handler).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => PortBlackHole.RemoveAll();
        Console.CancelKeyPress += (_, _) => PortBlackHole.RemoveAll();
        PortBlackHole.RemoveLeftovers();
        var (blackHoles, blackHoleNote) = await PortBlackHole.ProbeAsync();

        Console.WriteLine($"## Chaos soak: {options.Seconds} s, seed {options.Seed}");
        Console.WriteLine($"- machine: {MachineInfo.CpuModel()}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, load average {MachineInfo.LoadAverage()}");
        Console.WriteLine($"- workers: {Writers} writers (ExecuteInTransactionAsync + verifySucceeded, read-write), {Readers} readers (ExecuteAsync, prefer-standby), {OpenReaders} readers on plain opens (any), {BouncerReaders} readers via PgBouncer (ExecuteAsync)");
        Console.WriteLine($"- black holes: {(blackHoles ? "iptables DROP on the port (loopback)" : "not injected: " + blackHoleNote)}");

        var clock = Stopwatch.StartNew();
        using var unitCounters = new UnitOfWorkCounters();
        using var log = options.LogPath is { } path ? new SoakLog(path, clock) : null;
        await using var bed = await PostgresTestBed.StartAsync();
        await using var cluster = await SoakCluster.StartAsync(bed, SoakWorkers.CreateTable);
        Console.WriteLine($"- servers: {cluster.Describe(cluster.First)}, {cluster.Describe(cluster.Second)} (synchronous), PgBouncer :{cluster.Bouncer.Port} -> {cluster.First.Name}; {bed.Installation}");

        var errors = new List<string>();
        var (lost, duplicated, leaked, rssGrowth) = (-1L, -1L, -1L, double.NaN);
        SoakWorkers? workers = null;
        try
        {
            var servers = new[] { (cluster.First.Host, cluster.First.Port), (cluster.Second.Host, cluster.Second.Port) };
            IConnectionFactory Create(IEnumerable<(string Host, int Port)> hosts, string query) => ConnectionFactory.FromUrl(
                BenchServer.Url(bed, cluster.First, hosts, query),
                new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull, Retry = RidingOut, LoggerFactory = log });
            await using var writerFactory = Create(servers, "target_session_attrs=read-write&application_name=soak_writers");
            await using var readerFactory = Create(servers, "target_session_attrs=prefer-standby&application_name=soak_readers");
            await using var openerFactory = Create(servers, "target_session_attrs=any&application_name=soak_openers");
            await using var bouncerFactory = Create([(cluster.Bouncer.Host, cluster.Bouncer.Port)], "application_name=soak_bouncer");
            var factories = new[] { writerFactory, readerFactory, openerFactory, bouncerFactory };

            workers = new SoakWorkers(
                [
                    .. Enumerable.Repeat((WorkerKind.Writer, writerFactory), Writers),
                    .. Enumerable.Repeat((WorkerKind.Reader, readerFactory), Readers),
                    .. Enumerable.Repeat((WorkerKind.OpenReader, openerFactory), OpenReaders),
                    .. Enumerable.Repeat((WorkerKind.BouncerReader, bouncerFactory), BouncerReaders),
                ],
                () => clock.Elapsed);
            var random = new Random(options.Seed);
            TimeSpan Now() => clock.Elapsed;

            // The run's clock (and the log's) starts with the workers.
            clock.Restart();
            workers.Start();
            Console.WriteLine();
            Console.WriteLine("### Faults");
            Console.WriteLine();
            var faults = new FaultLoop(cluster, random, blackHoles, Now, line =>
            {
                Console.WriteLine("- " + line);
                log?.Write("FAULT " + line);
            });
            var faultLoop = faults.RunAsync(options.Duration);

            // RSS after the warm-up (faults are running by then), and at the end of the faults, both under load and after a full GC.
            await Task.WhenAny(faultLoop, Task.Delay(options.WarmUp - Now()));
            var rssWarm = ProcessResources.ResidentMegabytesAfterCollection();
            var heapWarm = ProcessResources.ManagedHeapMegabytes();
            try
            {
                await faultLoop;
            }
            catch (Exception e)
            {
                errors.Add($"the fault loop broke: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine(e);
            }

            if (options.Duration - Now() is { Ticks: > 0 } rest)
            {
                await Task.Delay(rest);
            }

            try
            {
                await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }

            var rssEnd = ProcessResources.ResidentMegabytesAfterCollection();
            var heapEnd = ProcessResources.ManagedHeapMegabytes();
            rssGrowth = rssEnd - rssWarm;
            var ranFor = Now();
            if (!await workers.StopAsync(TimeSpan.FromSeconds(90)))
            {
                errors.Add("some workers did not finish their operation within 90 s of the stop");
            }

            foreach (var factory in factories)
            {
                await factory.DisposeAsync();
            }

            leaked = await CountLeaksAsync(cluster, bed);
            (lost, duplicated) = await CheckWritesAsync(cluster.Primary, workers);

            Console.WriteLine();
            Console.WriteLine("### Results");
            Console.WriteLine();
            Console.WriteLine($"- ran {ranFor.TotalSeconds:0.0} s; faults: {string.Join(", ", faults.Counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}; failovers {cluster.Failovers}; final primary {cluster.Describe(cluster.Primary)}");
            foreach (var kind in Enum.GetValues<WorkerKind>())
            {
                var (longest, longestAt) = workers.LongestOf(kind);
                Console.WriteLine($"- {kind}: {workers.OperationsOf(kind)} ops, {workers.FailedOf(kind)} failed, {workers.InterruptedOf(kind)} interrupted (query broke on an open connection), {workers.SlowOf(kind)} over 1 s, longest {longest.TotalMilliseconds:0} ms (started at {longestAt.TotalSeconds:0.0} s)");
            }

            Console.WriteLine($"- units of work (PgSecureConnect meter): {unitCounters.Summary()}");
            Console.WriteLine($"- RSS after warm-up ({options.WarmUp.TotalSeconds:0} s) {rssWarm:0.0} MiB, at the end {rssEnd:0.0} MiB; managed heap {heapWarm:0.0} MiB, then {heapEnd:0.0} MiB");
            foreach (var (error, count) in workers.ErrorKinds.Take(15))
            {
                Console.WriteLine($"- {count} × {error}");
            }

            foreach (var (at, kind, error) in workers.FirstFailures.Take(3))
            {
                Console.WriteLine($"- first failures: {kind} at {at.TotalSeconds:0.0} s: {string.Join("\n    ", error.ToString().Split('\n').Take(25))}");
            }
        }
        catch (Exception e)
        {
            errors.Add($"the soak broke: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine(e);
            if (workers is not null && !await workers.StopAsync(TimeSpan.FromSeconds(90)))
            {
                errors.Add("some workers did not finish their operation within 90 s of the stop");
            }
        }
        finally
        {
            workers?.Dispose();
            cluster.ThawAll();
            PortBlackHole.RemoveAll();
        }

        foreach (var error in errors)
        {
            Console.WriteLine($"- HARNESS ERROR: {error}");
        }

        static string Count(long n) => n < 0 ? "unknown" : n.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"soak: seconds={options.Seconds} ops={workers?.Operations ?? 0} failed={workers?.Failed ?? 0} lost={Count(lost)} duplicated={Count(duplicated)} leaked_connections={Count(leaked)} rss_growth_mb={rssGrowth:0.0}"));
        return errors.Count == 0 && lost == 0 && duplicated == 0 && leaked == 0 ? 0 : 1;
    }

    /// <summary>
    /// The workers' connections left once every factory is disposed: sessions with their application names on either
    /// server, clients of PgBouncer's <c>app</c> database, and this process's TCP sockets to any of the three ports.
    /// Closing is asynchronous on the server side, so it waits up to 10 s for all to reach zero. PgBouncer's own server
    /// connections (its pool) are not the client's and are not counted.
    /// </summary>
    private static async Task<long> CountLeaksAsync(SoakCluster cluster, PostgresTestBed bed)
    {
        var names = string.Join(", ", DirectApplicationNames.Select(n => $"'{n}'"));
        var ports = cluster.Ports.ToHashSet();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var first = await cluster.First.ExecuteScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name IN ({names})");
            var second = await cluster.Second.ExecuteScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name IN ({names})");
            var bouncer = await CountBouncerClientsAsync(cluster.Bouncer, bed);
            var sockets = ProcessResources.CountTcpSockets(ports);
            var total = first + second + bouncer + sockets;
            if (total == 0 || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Console.WriteLine($"- connections after disposal: {first} sessions on {cluster.First.Name}, {second} on {cluster.Second.Name}, {bouncer} PgBouncer clients, {sockets} client TCP sockets");
                return total;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>PgBouncer's clients of the backend's database (<c>SHOW CLIENTS</c> on the admin console, through psql: it speaks only the simple query protocol).</summary>
    private static async Task<long> CountBouncerClientsAsync(PgBouncerServer bouncer, PostgresTestBed bed)
    {
        var result = await ExternalCommand.RunAsync(
            bed.Installation.GetToolPath("psql"),
            ["-X", "-A", "-t", "-F", "|", "-h", bouncer.Host, "-p", bouncer.Port.ToString(CultureInfo.InvariantCulture), "-U", bouncer.Username, "-d", "pgbouncer", "-c", "SHOW CLIENTS"],
            TimeSpan.FromSeconds(15),
            new Dictionary<string, string> { ["PGPASSWORD"] = bouncer.Password, ["PGSSLMODE"] = "disable", ["PGCONNECT_TIMEOUT"] = "5" });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"SHOW CLIENTS on PgBouncer failed (exit code {result.ExitCode}): {result.Error.Trim()}");
        }

        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('|'))
            .Count(fields => fields.Length > 2 && fields[0] == "C" && fields[2] == bouncer.Database);
    }

    /// <summary>Every acknowledged key must be on the final primary (else lost); no key may be stored more than once (else duplicated).</summary>
    private static async Task<(long Lost, long Duplicated)> CheckWritesAsync(PostgresServer primary, SoakWorkers workers)
    {
        var stored = new Dictionary<long, long>();
        await using (var connection = new NpgsqlConnection(primary.ConnectionString))
        {
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT key, count(*) FROM soak_writes GROUP BY key", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored[reader.GetInt64(0)] = reader.GetInt64(1);
            }
        }

        long acknowledged = 0, lost = 0, failedButStored = 0, written = 0;
        var started = new HashSet<long>();
        foreach (var (key, isAcknowledged) in workers.WrittenKeys())
        {
            written++;
            started.Add(key);
            var present = stored.ContainsKey(key);
            if (isAcknowledged)
            {
                acknowledged++;
                lost += present ? 0 : 1;
            }
            else
            {
                failedButStored += present ? 1 : 0;
            }
        }

        var duplicated = stored.Values.Where(n => n > 1).Sum(n => n - 1);
        var unknown = stored.Keys.Count(k => !started.Contains(k));
        Console.WriteLine($"- writes: {written} units, {acknowledged} acknowledged, {lost} acknowledged but missing on the final primary, {duplicated} extra copies of a key, {failedButStored} failed units whose row is stored anyway, {unknown} stored keys no writer started");
        return (lost + unknown, duplicated);
    }
}
