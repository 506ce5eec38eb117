using Microsoft.Extensions.Logging;

namespace ProtSt.Grains.Hosting;

/// <summary>Logging for ProtSt's hosts: warnings from our code, only errors from Orleans, to stderr or (an embedded silo) to a file.</summary>
public static class LoggingBuilderExtensions
{
    /// <summary>The command's own lines are the user's view of a job; the silo speaks up only when something is wrong.</summary>
    public static ILoggingBuilder AddProtStConsole(this ILoggingBuilder logging) =>
        logging.ClearProviders()
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Orleans", LogLevel.Error);

    /// <summary>The same levels, to <paramref name="sink"/>'s file instead of the console: an embedded silo's log is not the command's output.</summary>
    public static ILoggingBuilder AddProtStFile(this ILoggingBuilder logging, FileLogSink sink) =>
        logging.ClearProviders()
            .AddProvider(sink)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Orleans", LogLevel.Error);
}
