using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>Collects every log entry (category, event id, level, formatted message, exception text) for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(string Category, EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    /// <summary>The structured state of every entry (each key and value as text), Npgsql's included.</summary>
    public ConcurrentQueue<string> States { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Entries.Enqueue((category, eventId, logLevel, formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception)));
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                owner.States.Enqueue(string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")));
            }
        }
    }
}
