using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// What an OpenTelemetry SDK with PgSecureConnect's instrumentation does to the process: every instrument of the meter
/// <c>PgSecureConnect</c> recorded, the activity source <c>PgSecureConnect</c> sampled with all data. Npgsql's own meter
/// and source are left alone, so raw Npgsql pays nothing for them either.
/// </summary>
internal sealed class TelemetryListener : IDisposable
{
    private readonly MeterListener _meters;
    private readonly ActivityListener _activities;
    private long _measurements;

    private TelemetryListener()
    {
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "PgSecureConnect")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _measurements, value));
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _measurements, value));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "PgSecureConnect",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public long Measurements => Interlocked.Read(ref _measurements);

    public static TelemetryListener Start() => new();

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
