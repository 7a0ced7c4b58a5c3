using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Sample;

/// <summary>Logging for the sample: <c>--verbose</c> sends PgSecureConnect's events to standard error.</summary>
internal static class SampleLogging
{
    /// <summary>A console logger factory when <paramref name="verbose"/>, else <see langword="null"/> (the library then logs nothing).</summary>
    public static ILoggerFactory? Create(bool verbose) => verbose ? LoggerFactory.Create(AddConsole) : null;

    /// <summary>One line per event on standard error, so that standard output stays the report.</summary>
    public static void AddConsole(ILoggingBuilder builder)
    {
        builder.AddSimpleConsole(format =>
        {
            format.SingleLine = true;
            format.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.SetMinimumLevel(LogLevel.Debug);
        builder.AddFilter("Npgsql", LogLevel.Information);
    }
}

/// <summary>
/// Keeps PgSecureConnect's log events (failed attempts, hosts marked offline, failover) so that the failover demo can
/// print them under the open they belong to.
/// </summary>
internal sealed class AttemptRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _events = new();

    public ILogger CreateLogger(string categoryName)
        => categoryName.StartsWith("PgSecureConnect", StringComparison.Ordinal) ? new Recorder(_events) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The events recorded since the last call.</summary>
    public IEnumerable<string> Drain()
    {
        while (_events.TryDequeue(out var line))
        {
            yield return line;
        }
    }

    public void Dispose()
    {
    }

    private sealed class Recorder(ConcurrentQueue<string> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                events.Enqueue($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
