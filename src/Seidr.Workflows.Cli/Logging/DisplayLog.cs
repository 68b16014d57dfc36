using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Seidr.Workflows.Cli.Logging;

/// <summary>
/// Log lines for the user, on stderr: warnings and errors (and everything from debug up with <c>--verbose</c>). While a
/// live progress display is drawn, lines wait in a queue that the display writes above its status line, so the two
/// never tear each other; otherwise they are written at once.
/// </summary>
internal sealed class DisplayLog(LogLevel minimum, SecretRedactor redactor) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _pending = new();
    private volatile bool _live;

    public LogLevel Minimum { get; } = minimum;

    /// <summary>Lines wait for <see cref="Drain"/> while true; written to stderr at once while false.</summary>
    public bool Live
    {
        get => _live;
        set
        {
            _live = value;
            if (!value) foreach (var line in Drain()) Console.Error.WriteLine(line);
        }
    }

    /// <summary>The lines written since the last call, oldest first.</summary>
    public IReadOnlyList<string> Drain()
    {
        var lines = new List<string>();
        while (_pending.TryDequeue(out var line)) lines.Add(line);
        return lines;
    }

    public void Write(LogLevel level, string message)
    {
        if (level < Minimum) return;
        var line = $"{Prefix(level)}: {redactor.Redact(message)}";
        if (_live) _pending.Enqueue(line);
        else lock (this) Console.Error.WriteLine(line);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() => Live = false;

    private static string Prefix(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        _ => "error",
    };

    private sealed class Logger(DisplayLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            // The user gets the message; the stack trace goes to run.log.
            if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal)) message += $": {exception.Message}";
            owner.Write(logLevel, message);
        }
    }
}
