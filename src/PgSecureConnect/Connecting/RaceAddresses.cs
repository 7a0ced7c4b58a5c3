using System.Net;

namespace PgSecureConnect.Connecting;

/// <summary>
/// The addresses one race may try besides its servers (RFC 8305). When an attempt starts on a server given by a host
/// name, the name is resolved in the background; once resolved, its other addresses (<see cref="HostAddresses.RaceOrder"/>)
/// are raced before the next server, each when the attempts under way have gone <see cref="RetryPolicy.AttemptDelay"/>
/// without an answer or one has failed. A failed attempt by name ends this: Npgsql tried every address of the name.
/// The race never waits for a resolution; a slow one only delays the addresses, not the next server.
/// </summary>
internal sealed class RaceAddresses(Func<string, CancellationToken, Task<IPAddress[]>> resolve, Func<double>? shuffle, CancellationToken cancellationToken)
{
    private readonly List<Entry> _entries = [];

    /// <summary>Whether an address may still come: a resolution under way, or resolved addresses not yet raced.</summary>
    public bool MayHaveMore
    {
        get
        {
            foreach (var entry in _entries)
            {
                if (!entry.Finished && (entry.Remaining is null || entry.Remaining.Count > 0))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>An attempt started: the first on a server given by a host name starts resolving the name.</summary>
    public void Started(RacingAttempt racer)
    {
        if (racer.Host.Addresses is null || _entries.Exists(e => e.Host == racer.Host))
        {
            return;
        }

        Task<IPAddress[]> resolving;
        try
        {
            resolving = resolve(racer.Host.Server.Host, cancellationToken);
        }
        catch (Exception e)
        {
            resolving = Task.FromException<IPAddress[]>(e);
        }

        _entries.Add(new Entry(racer.Host, resolving, racer.Address));
    }

    /// <summary>An attempt by name failed: Npgsql tried each of the name's addresses, so they are not raced again.</summary>
    public void NameFailed(HostState host)
    {
        if (_entries.Find(e => e.Host == host) is { } entry)
        {
            entry.Finished = true;
        }
    }

    /// <summary>The next address to race: of the first server in race order whose name has resolved and has one left.</summary>
    public (HostState Host, IPAddress Address)? TakeNext()
    {
        foreach (var entry in _entries)
        {
            if (entry.Finished || !entry.Resolving.IsCompleted)
            {
                continue;
            }

            if (entry.Remaining is null)
            {
                if (!entry.Resolving.IsCompletedSuccessfully)
                {
                    // The attempt by name meets the same resolver and reports its error.
                    _ = entry.Resolving.Exception;
                    entry.Finished = true;
                    continue;
                }

                // An attempt by name is on the resolver's first address (Npgsql's first); one pinned to an address, on that address.
                var resolved = entry.Resolving.Result;
                var skip = entry.FirstTried ?? (resolved.Length > 0 ? resolved[0] : null);
                entry.Remaining = new Queue<IPAddress>(HostAddresses.RaceOrder(resolved, shuffle).Where(a => !a.Equals(skip)));
            }

            if (entry.Remaining.TryDequeue(out var address))
            {
                return (entry.Host, address);
            }

            entry.Finished = true;
        }

        return null;
    }

    /// <summary>The race ended: a resolution still under way is left to finish, its failure observed.</summary>
    public void Abandon()
    {
        foreach (var entry in _entries)
        {
            if (!entry.Resolving.IsCompleted)
            {
                _ = entry.Resolving.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            else if (entry.Resolving.IsFaulted)
            {
                _ = entry.Resolving.Exception;
            }
        }
    }

    private sealed class Entry(HostState host, Task<IPAddress[]> resolving, IPAddress? firstTried)
    {
        public HostState Host { get; } = host;

        public Task<IPAddress[]> Resolving { get; } = resolving;

        /// <summary>The address of the server's first attempt, or <see langword="null"/> when it went by name.</summary>
        public IPAddress? FirstTried { get; } = firstTried;

        public Queue<IPAddress>? Remaining { get; set; }

        public bool Finished { get; set; }
    }
}
