using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>A logger that keeps every entry (event id, level, formatted message) for assertions; <see cref="MinimumLevel"/> is what it says it is enabled for.</summary>
internal sealed class RecordingLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public LogLevel MinimumLevel { get; init; } = LogLevel.Trace;

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>The messages of the entries with this event id, in order.</summary>
    public string[] Messages(int eventId) => _entries.Where(e => e.EventId == eventId).Select(e => e.Message).ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _entries.Enqueue(new Entry(eventId.Id, logLevel, formatter(state, exception)));
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record Entry(int EventId, LogLevel Level, string Message);
}
