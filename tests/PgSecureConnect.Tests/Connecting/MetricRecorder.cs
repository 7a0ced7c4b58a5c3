using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// Listens to PgSecureConnect's instruments and keeps the measurements of one factory (tests run in parallel, and the
/// instruments are static): each as the instrument's name, the value and its tags.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MetricRecorder(string factoryName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "PgSecureConnect")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.Start();

        void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (all.TryGetValue("pgsecureconnect.factory.name", out var name) && Equals(name, factoryName))
            {
                _measurements.Enqueue(new Measurement(instrument.Name, value, all));
            }
        }
    }

    public IReadOnlyCollection<Measurement> Measurements => _measurements;

    public Measurement[] Of(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToArray();

    /// <summary>Takes the observable instruments' current values (servers offline, certificate time left).</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    internal sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
