using System.CommandLine;
using System.Globalization;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>protst search</c>: ranks the proteins of a zero-shot screen by ProtST's score for any text, using the projected
/// features the screen stored; only the query is embedded, in this process.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Option<string>("--query", "-q") { Description = "Any text, e.g. \"SUBCELLULAR LOCATION: Mitochondrion.\" or a function description.", Required = true };
        var embeddings = new Option<string>("--embeddings", "-e") { Description = "The output folder of a zero-shot screen (its embeddings.parquet holds the projected features).", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "The zero-shot model folder the screen used.", Required = true };
        var top = new Option<int>("-k", "--top") { Description = "How many proteins to list.", DefaultValueFactory = _ => 20 };
        var command = new Command("search", "Rank screened proteins by the ProtST score of a text query (text-to-protein search).") { query, embeddings, model, top };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var k = parse.GetValue(top);
            if (k < 1)
            {
                throw new ArgumentException($"-k must be at least 1, got {k}.");
            }

            var modelDirectory = parse.GetValue(model)!;
            var directory = parse.GetValue(embeddings)!;
            var configuration = CliConfiguration.Load(parse);
            var folder = ModelFolder.Open(modelDirectory, configuration.Inference.VerifyModelHash);
            using var text = TextEncoderSession.Open(folder, configuration.Inference);
            if (JobFolderRecord.Read(directory) is { } record && !string.Equals(record.ModelManifestSha256, JobFolderRecord.ManifestHash(modelDirectory), StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"'{directory}' was screened with the model in '{record.Model}', not '{Path.GetFullPath(modelDirectory)}'; their features are not comparable.");
            }

            var parquet = EmbeddingsTable.PathIn(directory);
            if (!File.Exists(parquet))
            {
                throw new FileNotFoundException($"'{directory}' has no {EmbeddingsTable.FileName}; pass the output folder of protst screen --task zero-shot.", parquet);
            }

            var embedded = text.Embed([parse.GetValue(query)!]);
            var scorer = new ZeroShotScorer(embedded.Features, 1, embedded.FeatureWidth, folder.Manifest.LogitScale!.Value);

            IReadOnlyList<(string Id, float Score)> ranked;
            long proteins;
            try
            {
                (ranked, proteins) = await FeatureSearch.TopAsync(EmbeddingsTable.ReadAsync(parquet, withFeature: true, ct), scorer, k, ct);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{e.Message} Search needs the projected features of a zero-shot screen (protst screen --task zero-shot).", e);
            }

            Console.WriteLine("rank\tid\tscore");
            for (var i = 0; i < ranked.Count; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1}\t{ranked[i].Id}\t{ranked[i].Score}"));
            }

            Console.Error.WriteLine($"ranked {proteins} proteins by exp(logit_scale) x cosine with the query.");
            return 0;
        }));
        return command;
    }
}
