using System.CommandLine;

namespace ProtSt.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CliOptions
{
    public static Option<string[]> Config { get; } = new("--config")
    {
        Description = "Extra configuration JSON files layered over configs/protst.json (environment variables PROTST_* override both).",
        Recursive = true,
        DefaultValueFactory = _ => [],
    };

    /// <summary><c>--cluster</c>: the Redis address where a running cluster keeps its membership.</summary>
    public static Option<string?> ClusterOption(string description) => new("--cluster") { Description = description };
}
