using System.CommandLine;
using ProtSt.Model.Inference;

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

    /// <summary>
    /// The accelerator of every session the command opens, its own or its silo's devices'; it overrides
    /// <c>Inference:ExecutionProvider</c> (configs/protst.json, <c>--config</c>, <c>PROTST_Inference__ExecutionProvider</c>).
    /// </summary>
    public static Option<ExecutionProvider?> Accelerator { get; } = new("--accelerator")
    {
        HelpName = "cpu|cuda",
        Description = "cpu or cuda: where every session runs (default: Inference:ExecutionProvider). cuda needs the CUDA build (-p:Accelerator=Cuda), the NVIDIA driver and CUDA 13.",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Enum.TryParse<ExecutionProvider>(text, ignoreCase: true, out var provider) && Enum.IsDefined(provider))
            {
                return provider;
            }

            result.AddError($"--accelerator must be cpu or cuda, not '{text}'.");
            return null;
        },
    };

    /// <summary>Adds <see cref="Accelerator"/> to the commands that compute or host devices.</summary>
    public static void AddAccelerator(params IEnumerable<Command> commands)
    {
        foreach (var command in commands)
        {
            command.Options.Add(Accelerator);
        }
    }

    /// <summary><c>--cluster</c>: the Redis address where a running cluster keeps its membership.</summary>
    public static Option<string?> ClusterOption(string description) => new("--cluster") { Description = description };

    /// <summary>--overwrite: lets a job replace another finished job's results (or the files of a folder that is no job's).</summary>
    public static Option<bool> Overwrite() => new("--overwrite")
    {
        Description = "Replace the results of a finished job in the output folder (or the files of a non-empty folder that is no job's); without it such a folder is refused. --resume continues an unfinished job instead.",
    };
}
