using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Seidr.Workflows.Cli.Logging;

/// <summary>
/// The run's full log, <c>run.log</c> in its output folder: every level from debug up, with UTC timestamps, categories
/// and stack traces, appended by each session of the run (a resumed run continues the same file). Lines are flushed as
/// they are written, so a run killed with SIGKILL keeps its log up to that moment.
/// </summary>
internal sealed class FileLog : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly SecretRedactor _redactor;
    private readonly object _gate = new();
    private bool _broken;

    public FileLog(string path, SecretRedactor redactor)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        _redactor = redactor;
        FilePath = Path.GetFullPath(path);
    }

    public string FilePath { get; }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {Level(level)} {category}: {message}";
        if (exception is not null) line += Environment.NewLine + exception;
        lock (_gate)
        {
            if (_broken) return;
            try { _writer.WriteLine(_redactor.Redact(line)); }
            // A full disk must not end the run over its log: the log stops, the run goes on and reports the rest.
            catch (IOException) { _broken = true; }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO ",
        LogLevel.Warning => "WARN ",
        LogLevel.Error => "ERROR",
        _ => "CRIT ",
    };

    public void Dispose()
    {
        lock (_gate)
        {
            try { _writer.Dispose(); } catch (IOException) { }
        }
    }

    private sealed class Logger(FileLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write(logLevel, category, formatter(state, exception), exception);
    }
}
