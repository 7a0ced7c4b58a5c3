using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Testing.Internal;

/// <summary>Creates and deletes network namespaces joined to the host by a veth pair (iproute2, root only).</summary>
internal static partial class NetworkNamespaces
{
    private const string SubnetPrefix = "10.213.";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static int s_counter;

    public static IReadOnlyList<string> List()
    {
        var result = ProcessRunner.Run(new CommandLine("ip", "netns", "list"), TimeSpan.FromSeconds(10));
        if (!result.Succeeded)
        {
            return [];
        }

        // Lines look like "name" or "name (id: 3)".
        return result.StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])
            .ToList();
    }

    /// <summary>Creates namespace, veth pair and addresses; returns (name, host interface, namespace-side address).</summary>
    public static async Task<(string Name, string HostInterface, string Address)> CreateAsync(CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref s_counter);
        var name = string.Create(CultureInfo.InvariantCulture, $"pgsecure-{Environment.ProcessId}-{ProcessTable.CurrentProcessStartTime}-{number}");
        var suffix = RandomNumberGenerator.GetHexString(6, lowercase: true);
        var hostInterface = "pgs" + suffix + "h";
        var namespaceInterface = "pgs" + suffix + "n";

        // Serialise subnet choice across processes: two test runs must not pick the same 10.213.X.0/24.
        using var machineLock = await AcquireMachineLockAsync(cancellationToken).ConfigureAwait(false);
        var subnet = ChooseFreeSubnet();
        var hostAddress = string.Create(CultureInfo.InvariantCulture, $"{SubnetPrefix}{subnet}.1");
        var address = string.Create(CultureInfo.InvariantCulture, $"{SubnetPrefix}{subnet}.2");
        try
        {
            await Ip(cancellationToken, "netns", "add", name).ConfigureAwait(false);
            await Ip(cancellationToken, "link", "add", hostInterface, "type", "veth", "peer", "name", namespaceInterface).ConfigureAwait(false);
            await Ip(cancellationToken, "link", "set", namespaceInterface, "netns", name).ConfigureAwait(false);
            await Ip(cancellationToken, "addr", "add", hostAddress + "/24", "dev", hostInterface).ConfigureAwait(false);
            await Ip(cancellationToken, "link", "set", hostInterface, "up").ConfigureAwait(false);
            await Ip(cancellationToken, "-n", name, "addr", "add", address + "/24", "dev", namespaceInterface).ConfigureAwait(false);
            await Ip(cancellationToken, "-n", name, "link", "set", namespaceInterface, "up").ConfigureAwait(false);
            await Ip(cancellationToken, "-n", name, "link", "set", "lo", "up").ConfigureAwait(false);
        }
        catch
        {
            Delete(name, hostInterface);
            throw;
        }

        return (name, hostInterface, address);
    }

    /// <summary>Kills whatever still runs in the namespace, deletes it and the host end of its veth pair (best effort).</summary>
    public static void Delete(string name, string? hostInterface)
    {
        var pids = ProcessRunner.Run(new CommandLine("ip", "netns", "pids", name), TimeSpan.FromSeconds(10));
        var killed = new List<int>();
        foreach (var line in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                NativeMethods.Signal(pid, NativeMethods.SigKill);
                killed.Add(pid);
            }
        }

        ProcessTable.WaitForExit(killed, TimeSpan.FromSeconds(5));
        ProcessRunner.Run(new CommandLine("ip", "netns", "delete", name), TimeSpan.FromSeconds(10));
        if (hostInterface is not null)
        {
            // Usually gone already: deleting the namespace destroys its end of the pair, which destroys this end.
            ProcessRunner.Run(new CommandLine("ip", "link", "delete", hostInterface), TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Sets the host end of a namespace's veth pair down (the link is cut) or up.</summary>
    public static Task SetHostLinkAsync(string hostInterface, bool up, CancellationToken cancellationToken) =>
        Ip(cancellationToken, "link", "set", hostInterface, up ? "up" : "down");

    private static async Task Ip(CancellationToken cancellationToken, params string[] arguments) =>
        await ProcessRunner.RunCheckedAsync(new CommandLine("ip", arguments), CommandTimeout, cancellationToken).ConfigureAwait(false);

    private static int ChooseFreeSubnet()
    {
        var result = ProcessRunner.Run(new CommandLine("ip", "-o", "-4", "addr", "show"), TimeSpan.FromSeconds(10));
        var used = UsedSubnetPattern().Matches(result.StandardOutput)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToHashSet();
        var start = RandomNumberGenerator.GetInt32(1, 255);
        for (var i = 0; i < 254; i++)
        {
            var candidate = ((start + i - 1) % 254) + 1;
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new PostgresTestBedException("Every 10.213.X.0/24 subnet is in use: too many network namespaces of earlier runs are still alive.");
    }

    private static async Task<FileStream> AcquireMachineLockAsync(CancellationToken cancellationToken)
    {
        var path = Directory.Exists("/run/lock") ? "/run/lock/pgsecure-netns.lock" : "/tmp/pgsecure-netns.lock"; // one place for every run
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex(@"inet 10\.213\.(\d+)\.")]
    private static partial Regex UsedSubnetPattern();
}
