using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>protst eval</c>: screens a labelled dataset through the cluster (the aggregator scores it live) and writes
/// predictions.tsv and metrics.json next to the screen's own outputs.
/// </summary>
internal static class EvalCommand
{
    public const string PredictionsFile = "predictions.tsv";
    public const string MetricsFile = "metrics.json";

    public static Command Create()
    {
        var input = new Option<string>("--input", "-i") { Description = "A labelled dataset: CSV, TSV or Parquet in the ProtST layout (Unnamed: 0, prot_seq, localization), or any file with id, sequence and label columns.", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "A converted ProtST zero-shot or classifier model folder.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output folder: results.tsv, embeddings.parquet, predictions.tsv, metrics.json.", Required = true };
        var onInvalid = new Option<string>("--on-invalid") { Description = "skip (report with file and line, continue) or fail.", DefaultValueFactory = _ => "fail" };
        onInvalid.AcceptOnlyFromAmong([.. JobChoices.InvalidRecordPolicies]);
        var devices = CliOptions.Devices("Devices of the embedded silo (default from configs).");
        var cluster = CliOptions.ClusterOption("Submit to a running cluster whose membership is in this Redis instead of an embedded silo (input and output must be paths every silo sees).");
        var overwrite = CliOptions.Overwrite();
        var task = new TaskOptions(embedAllowed: false);
        var sharing = new SharingOptions();
        var extraction = new ExtractionOptions();
        var command = new Command("eval", "Evaluate a ProtST model on a labelled dataset through the cluster: accuracy, MCC, macro-F1, per-class figures and the confusion matrix.")
        {
            input, model, output, onInvalid, devices, cluster, overwrite,
        };
        foreach (var option in task.All.Concat(sharing.All).Concat(extraction.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            var fail = JobChoices.FailOnInvalid(parse.GetValue(onInvalid));
            var inputPath = parse.GetValue(input)!;
            var outputDirectory = parse.GetValue(output)!;
            var taskName = task.Read(parse);
            if (taskName is null && ModelFolder.Open(parse.GetValue(model)!, verifyHashes: false).Manifest.Kind == ModelKind.Encoder)
            {
                throw new InvalidOperationException($"'{parse.GetValue(model)}' is an encoder-only model; eval needs a ProtST zero-shot or classifier model folder.");
            }

            // Every record must carry a label, or accuracy would silently cover a subset.
            var truth = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var record in SequenceInput.ReadAsync(inputPath, configuration.Security.InputLimits, InvalidRecordPolicy.Skip, null, ct))
            {
                truth[record.Id] = string.IsNullOrWhiteSpace(record.Label)
                    ? throw new InvalidInputException(new InputProblem(record.SourceFile, record.Line, record.Id, "the record has no label; eval needs a label column (label, localization or target) on every record"))
                    : record.Label.Trim();
            }

            var request = extraction.Apply(sharing.Apply(
                new JobRequest(
                    "eval", inputPath, outputDirectory, ModelChoice.Resolve(parse.GetValue(model), configuration.Inference.VerifyModelHash), taskName,
                    task.LabelsPath(parse), task.Descriptions(parse), task.Template(parse), fail, ScoreLabels: true, Overwrite: parse.GetValue(overwrite)),
                parse), parse);
            var outcome = (await ScreenCommand.RunAsync(new ScreenJob(request, parse.GetValue(devices), parse.GetValue(cluster), KeepView: false, Resumable: false), configuration, ct))!;
            if (outcome.Status.Phase != JobPhase.Completed)
            {
                return ScreenCommand.ExitCode(outcome.Status);
            }

            var labels = new JobLabels(outcome.Status.ClassNames!);
            var figures = outcome.Snapshot.Classification
                ?? throw new InvalidOperationException("The aggregator kept no classification figures for this job.");

            // The aggregator counted the pairs live; recount them from the written rows as a cross-check.
            var local = new ConfusionMatrix(labels.ClassNames.Count);
            await WritePredictionsAsync(ResultsTable.PathIn(outputDirectory), Path.Combine(outputDirectory, PredictionsFile), truth, labels, local, ct);
            var matrix = ConfusionMatrix.FromRows(figures.ConfusionMatrix);
            if (matrix.Total != local.Total || !matrix.ToRows().Zip(local.ToRows()).All(p => p.First.SequenceEqual(p.Second)))
            {
                throw new InvalidOperationException($"The aggregator's confusion matrix ({matrix.Total} pairs) differs from the written predictions ({local.Total}); the job's outputs are inconsistent.");
            }

            await File.WriteAllTextAsync(Path.Combine(outputDirectory, MetricsFile), Metrics(matrix, labels.ClassNames, outcome, inputPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"eval: accuracy {matrix.Accuracy:F4}, MCC {matrix.Mcc:F4}, macro-F1 {matrix.MacroF1:F4} on {matrix.Total} records; wrote {Path.Combine(Path.GetFullPath(outputDirectory), MetricsFile)}"));
            return 0;
        }));
        return command;
    }

    private static async Task WritePredictionsAsync(
        string resultsPath, string predictionsPath, Dictionary<string, string> truth, JobLabels labels, ConfusionMatrix matrix, CancellationToken ct)
    {
        var index = labels.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        await using var writer = new StreamWriter(predictionsPath, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        await writer.WriteLineAsync("id\tlabel\tpredicted\tcorrect");
        await foreach (var row in ResultsTable.ReadAsync(resultsPath, ct))
        {
            var id = row.Id;
            var predicted = index[row.Label ?? throw new InvalidDataException($"{resultsPath} has no '{ResultsTable.LabelColumn}' column; eval writes one.")];
            var actual = labels.ClassOf(truth[id])
                ?? throw new InvalidInputException(new InputProblem(resultsPath, 0, id, $"label '{truth[id]}' is neither a class id below {labels.ClassNames.Count} nor a class name ({string.Join(", ", labels.ClassNames)})"));
            matrix.Add(actual, predicted);
            await writer.WriteLineAsync($"{id}\t{labels.ClassNames[actual]}\t{labels.ClassNames[predicted]}\t{(actual == predicted ? "true" : "false")}");
        }
    }

    private static JsonObject Metrics(ConfusionMatrix matrix, IReadOnlyList<string> names, ScreenOutcome outcome, string input)
    {
        var perClass = new JsonArray();
        for (var c = 0; c < matrix.Classes; c++)
        {
            perClass.Add(new JsonObject
            {
                ["id"] = c,
                ["name"] = names[c],
                ["support"] = matrix.Support(c),
                ["precision"] = matrix.Precision(c),
                ["recall"] = matrix.Recall(c),
                ["f1"] = matrix.F1(c),
            });
        }

        return new JsonObject
        {
            ["accuracy"] = matrix.Accuracy,
            ["n"] = matrix.Total,
            ["mcc"] = matrix.Mcc,
            ["macro_f1"] = matrix.MacroF1,
            ["per_class"] = perClass,
            ["confusion_matrix"] = new JsonArray(matrix.ToRows().Select(row => (JsonNode)new JsonArray(row.Select(v => (JsonNode)v).ToArray())).ToArray()),
            ["class_names"] = new JsonArray(names.Select(n => (JsonNode)n).ToArray()),
            ["task"] = outcome.Status.TaskName,
            ["model"] = outcome.Status.Spec.Model,
            ["input"] = Path.GetFullPath(input),
            ["skipped"] = outcome.Status.Skipped,
            ["elapsed_seconds"] = outcome.Snapshot.Elapsed.TotalSeconds,
            ["sequences_per_second"] = outcome.Snapshot.SequencesPerSecond,
        };
    }
}
