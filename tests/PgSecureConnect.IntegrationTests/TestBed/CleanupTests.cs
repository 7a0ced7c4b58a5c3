using System.Diagnostics;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using PgSecureConnect.Testing.Internal;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.TestBed;

/// <summary>Disposal and the sweep of dead runs leave no processes, directories or namespaces behind.</summary>
[Collection(TestBedCollection.Name)]
public sealed class CleanupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Disposing_a_test_bed_stops_everything_and_deletes_its_directory()
    {
        var bed = await PostgresTestBed.StartAsync();
        var root = bed.RootDirectory;
        var primary = await bed.StartServerAsync();
        var standby = await bed.StartStandbyAsync(primary);
        var frozen = await bed.StartServerAsync(new PostgresServerOptions { ListenAddress = "127.0.0.4" });
        frozen.Freeze();
        var bouncer = await bed.StartPgBouncerAsync(primary);
        var blackHole = bed.StartBlackHole();
        var refused = bed.CreateRefusedEndpoint();
        var host = await bed.CreateNetworkNamespaceHostAsync();
        var inNamespace = await bed.StartServerAsync(new PostgresServerOptions { NetworkNamespace = host });

        var pids = new List<int>();
        foreach (var server in new[] { primary, standby, frozen, inNamespace })
        {
            pids.Add(server.ProcessId!.Value);
            pids.AddRange(Processes.DescendantsOf(server.ProcessId!.Value));
        }

        pids.Add(bouncer.ProcessId!.Value);
        output.WriteLine($"{pids.Count} processes under {root}");
        Processes.WithCommandLineContaining(root).Should().NotBeEmpty();

        var stopwatch = Stopwatch.StartNew();
        await bed.DisposeAsync();
        output.WriteLine($"Disposal took {stopwatch.Elapsed.TotalMilliseconds:0} ms");

        (await Processes.WaitForExitAsync(pids, TimeSpan.FromSeconds(10))).Should().BeEmpty();
        Processes.WithCommandLineContaining(root).Should().BeEmpty();
        Directory.Exists(root).Should().BeFalse();
        File.ReadAllText("/proc/net/tcp").Should().NotContain($":{primary.Port:X4} 00000000:0000 0A", "nothing listens on the server's port any more");
        (await RunAsync("ip", "netns", "list")).Should().NotContain(host.Name);
        blackHole.Invoking(b => b.Dispose()).Should().NotThrow();
        refused.Invoking(r => r.Dispose()).Should().NotThrow();
        await bed.Invoking(b => b.StartServerAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Sweep_kills_the_servers_of_a_dead_run_and_deletes_its_directory()
    {
        var bed = await PostgresTestBed.StartAsync();
        try
        {
            var server = await bed.StartServerAsync();
            var bouncer = await bed.StartPgBouncerAsync(server);
            var pids = new List<int> { server.ProcessId!.Value, bouncer.ProcessId!.Value };
            pids.AddRange(Processes.DescendantsOf(server.ProcessId!.Value));

            // Pretend the run that made this directory died: same pid, different start time, so the owner is "dead".
            await File.WriteAllTextAsync(Path.Combine(bed.RootDirectory, RunDirectory.OwnerFileName), $"{Environment.ProcessId} 1\n");

            var removed = LeftoverSweeper.Sweep();

            removed.Should().Contain(bed.RootDirectory);
            Directory.Exists(bed.RootDirectory).Should().BeFalse();
            (await Processes.WaitForExitAsync(pids, TimeSpan.FromSeconds(10))).Should().BeEmpty();
            Processes.WithCommandLineContaining(bed.RootDirectory).Should().BeEmpty();
        }
        finally
        {
            await bed.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sweep_deletes_a_dead_runs_template_directory()
    {
        // The shape of a template directory (pgsecure-testbed-PID-template-HEX) whose owner is "dead" (wrong start time).
        var directory = Path.Combine(RunDirectory.BaseDirectory, $"pgsecure-testbed-{Environment.ProcessId}-template-{Random.Shared.Next(0x100000, 0xFFFFFF):x}");
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(directory, RunDirectory.OwnerFileName), $"{Environment.ProcessId} 1\n");

        LeftoverSweeper.Sweep().Should().Contain(directory);

        Directory.Exists(directory).Should().BeFalse();
    }

    [Fact]
    public async Task Sweep_deletes_network_namespaces_of_dead_runs()
    {
        // Named like the test bed's own namespaces, but with a start time that is not this process's: its owner is "dead".
        var name = $"pgsecure-{Environment.ProcessId}-1-{Random.Shared.Next(100000, 999999)}";
        await RunAsync("ip", "netns", "add", name);
        (await RunAsync("ip", "netns", "list")).Should().Contain(name);

        LeftoverSweeper.Sweep();

        (await RunAsync("ip", "netns", "list")).Should().NotContain(name);
    }

    [Fact]
    public async Task Sweep_leaves_directories_of_live_runs_alone()
    {
        await using var bed = await PostgresTestBed.StartAsync();
        await using var server = await bed.StartServerAsync();

        LeftoverSweeper.Sweep().Should().NotContain(bed.RootDirectory);

        server.IsRunning.Should().BeTrue();
        Directory.Exists(bed.RootDirectory).Should().BeTrue();
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }
}
