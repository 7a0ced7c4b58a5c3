using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// Listens to the <c>PgSecureConnect</c> meter's unit-of-work counters: tries run again (by step), and commits whose
/// outcome was unknown (by resolution: applied or not_applied, as <c>verifySucceeded</c> decided, or unresolved), so a
/// run shows that the faults reached the retry and verification paths.
/// </summary>
internal sealed class UnitOfWorkCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public UnitOfWorkCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "PgSecureConnect" && instrument.Name.StartsWith("pgsecureconnect.unit_of_work.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var detail = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key is "pgsecureconnect.unit_of_work.step" or "pgsecureconnect.unit_of_work.resolution")
                {
                    detail = tag.Value?.ToString() ?? string.Empty;
                }
            }

            var name = instrument.Name["pgsecureconnect.unit_of_work.".Length..];
            _counts.AddOrUpdate($"{name} {detail}", value, (_, n) => n + value);
        });
        _listener.Start();
    }

    /// <summary>E.g. <c>retries work 41, retries open 3, commit_outcome_unknown applied 2</c>.</summary>
    public string Summary() => _counts.IsEmpty
        ? "none"
        : string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    public void Dispose() => _listener.Dispose();
}
