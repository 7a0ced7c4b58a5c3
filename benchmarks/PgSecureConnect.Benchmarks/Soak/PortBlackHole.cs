using System.Globalization;
using System.Text.RegularExpressions;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// Makes a loopback TCP port drop every packet sent to it (<c>iptables -I INPUT -p tcp --dport P -j DROP</c>): new
/// connections hang in SYN, open sessions stall until the rule goes and TCP retransmits. Each rule carries the comment
/// <c>pgsecure-soak-PID</c>, so that only this process's rules are removed, and rules of a soak run that died are swept
/// at the next start. Disposing removes the rule; <see cref="RemoveAll"/> is the safety net on every way out.
/// </summary>
internal sealed partial class PortBlackHole : IAsyncDisposable
{
    private const string Iptables = "iptables";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private static readonly string Comment = "pgsecure-soak-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly int _port;
    private int _removed;

    private PortBlackHole(int port) => _port = port;

    /// <summary>Whether iptables can be used here (installed, and allowed to list the INPUT chain); the reason when not.</summary>
    public static async Task<(bool Available, string Reason)> ProbeAsync()
    {
        try
        {
            var result = await ExternalCommand.RunAsync(Iptables, ["-w", "5", "-S", "INPUT"], CommandTimeout);
            return result.Succeeded ? (true, "iptables") : (false, $"iptables -S INPUT failed (exit code {result.ExitCode}): {result.Error.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, $"iptables is not installed ({e.Message}; apt-get install -y iptables)");
        }
    }

    public static async Task<PortBlackHole> StartAsync(int port)
    {
        var hole = new PortBlackHole(port);
        var result = await ExternalCommand.RunAsync(Iptables, ["-w", "5", "-I", "INPUT", .. hole.RuleSpec()], CommandTimeout);
        if (!result.Succeeded)
        {
            // It may have been inserted even so (e.g. a timeout): make sure it is gone.
            await hole.DisposeAsync();
            throw new InvalidOperationException($"iptables -I INPUT for port {port} failed (exit code {result.ExitCode}): {result.Error.Trim()}");
        }

        return hole;
    }

    /// <summary>Removes every rule of this process (synchronous: also called at process exit).</summary>
    public static void RemoveAll() => RemoveMatching(comment => comment == Comment);

    /// <summary>Removes rules left by soak runs whose process is gone.</summary>
    public static void RemoveLeftovers() => RemoveMatching(comment =>
    {
        var match = CommentPattern().Match(comment);
        return match.Success && !Directory.Exists("/proc/" + match.Groups[1].Value);
    });

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return;
        }

        // -D removes one copy per call: repeat until there is none left (bounded).
        for (var i = 0; i < 10; i++)
        {
            var result = await ExternalCommand.RunAsync(Iptables, ["-w", "5", "-D", "INPUT", .. RuleSpec()], CommandTimeout);
            if (!result.Succeeded)
            {
                return;
            }
        }
    }

    private static void RemoveMatching(Func<string, bool> matches)
    {
        try
        {
            var list = ExternalCommand.RunAsync(Iptables, ["-w", "5", "-S", "INPUT"], CommandTimeout).GetAwaiter().GetResult();
            if (!list.Succeeded)
            {
                return;
            }

            foreach (var line in list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var comment = RuleCommentPattern().Match(line);
                if (!line.StartsWith("-A INPUT ", StringComparison.Ordinal) || !comment.Success || !matches(comment.Groups[1].Value))
                {
                    continue;
                }

                // iptables -S prints the rule as it was added; the same words after -D delete it.
                var words = line["-A INPUT ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"'));
                ExternalCommand.RunAsync(Iptables, ["-w", "5", "-D", "INPUT", .. words], CommandTimeout).GetAwaiter().GetResult();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No iptables: no rules to remove.
        }
    }

    private string[] RuleSpec() =>
        ["-i", "lo", "-p", "tcp", "--dport", _port.ToString(CultureInfo.InvariantCulture), "-m", "comment", "--comment", Comment, "-j", "DROP"];

    [GeneratedRegex("^pgsecure-soak-([0-9]+)$")]
    private static partial Regex CommentPattern();

    [GeneratedRegex("--comment \"?([^\" ]+)\"?")]
    private static partial Regex RuleCommentPattern();
}
