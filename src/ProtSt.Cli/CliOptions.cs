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

    /// <summary>
    /// <c>--devices</c>: how many devices a silo offers. Checked while the command line is parsed, so a count of zero
    /// or less is refused at once, not after a silo has started and failed to find work for none.
    /// </summary>
    public static Option<int?> Devices(string description)
    {
        var option = new Option<int?>("--devices") { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0 and var count)
            {
                result.AddError($"--devices must be at least 1 (got {count}).");
            }
        });
        return option;
    }
}
