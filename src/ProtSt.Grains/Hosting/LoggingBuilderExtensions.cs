using Microsoft.Extensions.Logging;

namespace ProtSt.Grains.Hosting;

/// <summary>Logging for ProtSt's hosts: warnings from our code, only errors from Orleans, all to stderr.</summary>
public static class LoggingBuilderExtensions
{
    /// <summary>The command's own lines are the user's view of a job; the silo speaks up only when something is wrong.</summary>
    public static ILoggingBuilder AddProtStConsole(this ILoggingBuilder logging) =>
        logging.ClearProviders()
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Orleans", LogLevel.Error);
}
