using System.CommandLine;
using ProtSt.Model.Hub;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst data download</c>: a Hugging Face dataset repository's files, verified as model files are.</summary>
internal static class DataCommand
{
    public static Command Create() => new("data", "Get the datasets the experiments use from the Hugging Face hub.")
    {
        Download(),
    };

    private static Command Download()
    {
        var repository = new Argument<string>("repository") { Description = "A Hugging Face dataset repository, e.g. mila-intel/ProtST-BinaryLocalization." };
        var output = new Option<string>("--output", "-o") { Description = "The folder to write the dataset's files into (its folders are kept).", Required = true };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit.", DefaultValueFactory = _ => "main" };
        var command = new Command("download", "Download every file of a dataset repository, each verified against the hub (HF_ENDPOINT and HF_TOKEN are honoured); an interrupted download resumes.")
        {
            repository, output, revision,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            using var client = new HubClient(configuration.Hub);
            var name = parse.GetValue(repository)!;
            var directory = parse.GetValue(output)!;
            var result = await HubDownloadDisplay.RunAsync(name, progress => client.DownloadDatasetAsync(name, parse.GetValue(revision)!, directory, progress, ct));
            Console.WriteLine($"downloaded {string.Join(", ", result.Files)} to {Path.GetFullPath(directory)}; eval, finetune and screen read the split files as they are");
            return 0;
        }));
        return command;
    }
}
