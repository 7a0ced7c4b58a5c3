using System.Diagnostics.Metrics;

namespace PgSecureConnect.Diagnostics;

/// <summary>
/// The live factories, for the observable instruments (offline servers, certificate time left): those are read only
/// when a listener collects, so a factory costs one list entry and nothing per open.
/// </summary>
internal static class FactoryRegistry
{
    private static readonly List<Entry> Entries = [];

    public static void Add(string factoryName, IReadOnlyList<IObservedServer> hosts, TimeProvider time)
    {
        lock (Entries)
        {
            Entries.Add(new Entry(factoryName, hosts, time));
        }
    }

    public static void Remove(IReadOnlyList<IObservedServer> hosts)
    {
        lock (Entries)
        {
            Entries.RemoveAll(e => ReferenceEquals(e.Hosts, hosts));
        }
    }

    public static IEnumerable<Measurement<int>> ObserveOffline()
    {
        foreach (var (factory, host, _) in Snapshot())
        {
            yield return new Measurement<int>(host.IsOffline ? 1 : 0, TelemetryTags.Server(factory, host));
        }
    }

    public static IEnumerable<Measurement<double>> ObserveCertificateTimeLeft()
    {
        foreach (var (factory, host, time) in Snapshot())
        {
            if (host.Certificate is { } certificate)
            {
                yield return new Measurement<double>((certificate.NotAfter - time.GetUtcNow()).TotalSeconds, TelemetryTags.Server(factory, host));
            }
        }
    }

    private static List<(string Factory, IObservedServer Host, TimeProvider Time)> Snapshot()
    {
        lock (Entries)
        {
            return Entries.SelectMany(e => e.Hosts.Select(h => (e.FactoryName, h, e.Time))).ToList();
        }
    }

    private sealed record Entry(string FactoryName, IReadOnlyList<IObservedServer> Hosts, TimeProvider Time);
}
