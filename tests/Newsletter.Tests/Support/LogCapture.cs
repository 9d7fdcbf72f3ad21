using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Support;

/// <summary>Keeps every log line the host writes (at the configured levels), to check what an operator would read.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId Event, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Lines.Enqueue((category, eventId, logLevel, formatter(state, exception)));
    }
}

/// <summary>
/// The host's last few warnings and errors, each with its exception's type and message, for a timeout's message: when
/// a background job failed, the test that waited for it says why instead of only that it waited.
/// </summary>
public sealed class RecentProblems : ILoggerProvider
{
    private const int Kept = 10;
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Latest => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Kept) _lines.TryDequeue(out _);
    }

    private sealed class Logger(RecentProblems problems, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var error = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})";
            problems.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{error}");
        }
    }
}
