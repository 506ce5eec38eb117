using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Folders;
using ProtSt.Model.Hub;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary>Turns the errors a user can cause (bad files, bad input, bad options) into one clear line and exit code 1.</summary>
internal static class CommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is CheckpointFormatException or ModelConfigException or ModelFolderException or InvalidInputException
            or InvalidSequenceException or HubException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException
            or ArgumentException or PlatformNotSupportedException or RequestRefusedException or ClusterUnavailableException or OutputFolderBusyException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled.");
            return 130;
        }
    }

    /// <summary>A console for progress and warnings, on stderr so stdout stays clean for data.</summary>
    public static IAnsiConsole Status { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
