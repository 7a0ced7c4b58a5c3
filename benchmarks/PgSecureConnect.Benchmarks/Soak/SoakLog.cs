using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// <c>--log PATH</c>: the factories' log events (PgSecureConnect's at Information and above, Npgsql's at Warning and
/// above) and the fault log, one line each with the time on the run's clock, so a slow or failed unit can be matched
/// with the fault and the retries behind it.
/// </summary>
internal sealed class SoakLog : ILoggerFactory
{
    private readonly StreamWriter _writer;
    private readonly Stopwatch _clock;
    private readonly object _gate = new();

    public SoakLog(string path, Stopwatch clock)
    {
        _writer = new StreamWriter(path, append: false);
        _clock = clock;
    }

    public void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,8:0.000} {line}"));
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private sealed class Logger(SoakLog log, string category) : ILogger
    {
        private readonly LogLevel _minimum = category.StartsWith("PgSecureConnect", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var message = formatter(state, exception).Replace('\n', ' ');
                log.Write($"{logLevel} {category} {eventId.Id}: {message}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message.Split('\n')[0])}");
            }
        }
    }
}
