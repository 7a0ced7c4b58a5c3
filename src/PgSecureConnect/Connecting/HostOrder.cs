using Npgsql;

namespace PgSecureConnect.Connecting;

/// <summary>
/// The order in which an open tries the servers. One rule: online servers of the right kind (or not yet seen) first,
/// online servers last seen of the wrong kind after them, unreachable servers last, since they may be back and nothing
/// else is left. With <c>load_balance_hosts=random</c> servers of the same rank are shuffled. A server that lost a
/// race (<see cref="RetryPolicy.AttemptDelay"/>) within the last <paramref name="lostRaceMemory"/> ranks with those of
/// the wrong kind: it is not offline, but another answered sooner, so the next open does not start by waiting on it.
/// </summary>
internal sealed class HostOrder(HostState[] hosts, TargetSessionAttributes target, bool loadBalance, Func<double> random, TimeProvider time, TimeSpan lostRaceMemory)
{
    /// <summary>The rank of a server under the rule: 0 is tried first.</summary>
    private int Rank(HostState host)
        => host.IsOffline ? 2
            : RecentlyLostRace(host) ? 1
            : host.Role == ServerRole.Unknown || SessionTargetCheck.Satisfies(host.Role, target) ? 0 : 1;

    /// <summary>Reads the clock only for a server that lost a race, so the pooled fast path stays free of clock reads.</summary>
    private bool RecentlyLostRace(HostState host)
        => host.LostRaceAt is var at && at != 0 && time.GetElapsedTime(at) < lostRaceMemory;

    /// <summary>
    /// The server the first attempt of an open goes to: the first (load-balanced: from a random start) server of rank 0,
    /// else the start itself. Allocates nothing: it runs on every pooled open.
    /// </summary>
    public HostState Preferred()
    {
        if (hosts.Length == 1)
        {
            return hosts[0];
        }

        var start = loadBalance ? (int)(random() * hosts.Length) % hosts.Length : 0;
        for (var i = 0; i < hosts.Length; i++)
        {
            var host = hosts[(start + i) % hosts.Length];
            if (Rank(host) == 0)
            {
                return host;
            }
        }

        return hosts[start];
    }

    /// <summary>The servers for one pass over the list, in the rule's order, leaving out <paramref name="alreadyTried"/>.</summary>
    public List<HostState> Candidates(HostState? alreadyTried)
    {
        var ordered = hosts.Where(h => h != alreadyTried).ToList();
        if (loadBalance)
        {
            for (var i = ordered.Count - 1; i > 0; i--)
            {
                var j = (int)(random() * (i + 1)) % (i + 1);
                (ordered[i], ordered[j]) = (ordered[j], ordered[i]);
            }
        }

        // OrderBy is stable: servers of one rank keep the list's (or the shuffle's) order.
        return ordered.OrderBy(Rank).ToList();
    }
}
