using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ProtSt.Grains.Hosting;

/// <summary>
/// Writes a host's log to one file (the embedded silo's, so the command's console carries only its own lines) and
/// counts the warnings and errors, so the command can name the file in one line when something went wrong.
/// </summary>
public sealed class FileLogSink : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private int _problems;

    public FileLogSink(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Warnings and errors written so far.</summary>
    public int Problems => Volatile.Read(ref _problems);

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        if (level >= LogLevel.Warning)
        {
            Interlocked.Increment(ref _problems);
        }

        lock (_lock)
        {
            try
            {
                _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {level}: {category}: {message}"));
                if (exception is not null)
                {
                    _writer.WriteLine(exception.ToString());
                }
            }
            catch (ObjectDisposedException)
            {
                // A late line from a host that is being torn down; the log is closed.
            }
        }
    }

    private sealed class FileLogger(FileLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
