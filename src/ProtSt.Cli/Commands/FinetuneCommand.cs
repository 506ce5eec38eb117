using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;
using ProtSt.Training;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>protst finetune</c>: ProtST's published fine-tuning (a classifier head on a frozen encoder, started from a
/// classifier checkpoint's head or a fresh one), with the frozen encoder's embeddings of every split computed once
/// through the cluster instead of every epoch, then the head trained here and written as a model folder that serves
/// the encoder folder it was trained on.
/// </summary>
internal static class FinetuneCommand
{
    public const string HeadDirectory = "head";
    public const string MetricsFile = "metrics.json";
    public const string TestPredictionsFile = "test-predictions.tsv";

    /// <summary>Where the embedding job of the three splits runs, inside the output folder (removed once read).</summary>
    public const string EmbeddingJobDirectory = "embedding-job";

    public static Command Create()
    {
        var arguments = new FinetuneArguments();
        var command = new Command("finetune", "Train ProtST's classifier head on a frozen encoder: embeddings once through the cluster, then the head; writes a served model folder.");
        foreach (var option in arguments.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandErrors.RunAsync(() => RunAsync(parse, arguments, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, FinetuneArguments arguments, CancellationToken ct)
    {
        var configuration = CliConfiguration.Load(parse);
        var options = arguments.Training(parse, configuration.Training);
        var modelDirectory = parse.GetValue(arguments.Model)!;
        var opened = ModelFolder.Open(modelDirectory, configuration.Inference.VerifyModelHash);

        // A classifier (converted, or written by an earlier finetune) starts from its own head, as the published
        // fine-tune starts from mila-intel/protst-esm1b-for-sequential-classification; the encoder stays where it is.
        var start = opened.Manifest.Kind == ModelKind.Classifier ? ClassifierHeadFile.Read(opened) : null;
        var folder = opened.BaseModel ?? opened;
        var outputDirectory = Path.GetFullPath(parse.GetValue(arguments.Output)!);
        if (outputDirectory == folder.Directory || outputDirectory == opened.Directory)
        {
            throw new InvalidOperationException("--output must be a new folder, not the folder of --model or of its encoder.");
        }

        // Read all three splits first: a bad record or label is reported before any compute.
        var splits = arguments.Splits(parse);
        var records = await ReadSplitsAsync(splits, configuration.Security.InputLimits, ct);
        var classNames = await ClassNamesAsync(parse.GetValue(arguments.Labels), start?.Labels, records.Select(r => r.Record), ct);
        if (start is not null && start.Head.NumLabels != classNames.Count)
        {
            throw new InvalidOperationException(
                $"The head of '{modelDirectory}' predicts {start.Head.NumLabels} classes but the labels name {classNames.Count}; start from an encoder folder to train a head of another size.");
        }

        var classOf = ClassesOf(records, classNames);
        Console.WriteLine($"embedding {records.Count} sequences ({string.Join(", ", splits.Select(s => $"{records.Count(r => r.Split == s.Name)} {s.Name}"))}) once with the frozen encoder of {folder.Directory}");
        Console.WriteLine(start is null
            ? $"training a fresh head (seed {options.Seed})"
            : $"training the head of {opened.Directory} ({start.Head.NumLabels} classes) from its checkpoint weights");
        var stopwatch = Stopwatch.StartNew();
        var embeddings = await EmbedAsync(
            records.Select(r => r.Record).ToList(), folder.Directory, outputDirectory, parse.GetValue(arguments.Cluster), parse.GetValue(arguments.Devices),
            request => arguments.Sharing.Apply(request, parse), configuration, ct);
        var embedSeconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded {records.Count} sequences in {embedSeconds:F1} s ({records.Count / Math.Max(embedSeconds, 1e-9):F1} sequences/s)"));

        LabelledFeatures Split(string name) => SplitFeatures(name, splits, records, embeddings, classOf, classNames.Count);

        stopwatch.Restart();
        var result = await HeadTrainer.TrainAsync(Split("train"), Split("valid"), Split("test"), start?.Head, options, EpochLines(), ct);
        var trainSeconds = stopwatch.Elapsed.TotalSeconds;
        var testFigures = result.Test!;

        var headDirectory = Path.Combine(outputDirectory, HeadDirectory);
        ClassifierHeadFile.Write(headDirectory, result.Head, classNames);
        ModelConverter.AttachClassifier(folder.Directory, Path.Combine(headDirectory, ClassifierHeadFile.WeightsFileName), classNames, outputDirectory);
        var agreement = ServedAgreement(outputDirectory, Split("test"), testFigures, configuration.Inference);

        var metrics = Metrics(result, agreement, classNames, folder.Directory, start is null ? "fresh" : opened.Directory, embedSeconds, trainSeconds, options);
        await WriteTestPredictionsAsync(outputDirectory, records, classOf, classNames, testFigures, ct);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, MetricsFile), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy {testFigures.Accuracy:F4}, MCC {testFigures.Mcc:F4} on {testFigures.Count} records (kept epoch {result.KeptEpoch}, best {result.BestEpoch}, of {result.History.Count}); " +
            $"wrote the classifier folder {outputDirectory} (serve it with protst screen or eval)"));
        return 0;
    }

    /// <summary>Every record of the splits, in split order, each with its split's name; the first bad record ends the command.</summary>
    private static async Task<List<(string Split, SequenceRecord Record)>> ReadSplitsAsync(
        (string Name, string Path)[] splits, InputLimits limits, CancellationToken cancellationToken)
    {
        var records = new List<(string Split, SequenceRecord Record)>();
        foreach (var (name, path) in splits)
        {
            await foreach (var record in SequenceInput.ReadAsync(path, limits, InvalidRecordPolicy.Fail, null, cancellationToken))
            {
                records.Add((name, record));
            }
        }

        return records;
    }

    /// <summary>Each record's class index; a label that is neither a class id nor a class name is the record's problem.</summary>
    private static int[] ClassesOf(List<(string Split, SequenceRecord Record)> records, IReadOnlyList<string> classNames)
    {
        var jobLabels = new JobLabels(classNames);
        return records.Select(r => jobLabels.ClassOf(r.Record.Label)
            ?? throw new InvalidInputException(new InputProblem(r.Record.SourceFile, r.Record.Line, r.Record.Id,
                $"label '{r.Record.Label}' is neither a class id below {classNames.Count} nor a class name ({string.Join(", ", classNames)})"))).ToArray();
    }

    /// <summary>One split's embeddings and classes; a split without records cannot train or judge a head.</summary>
    private static LabelledFeatures SplitFeatures(
        string name, (string Name, string Path)[] splits, List<(string Split, SequenceRecord Record)> records, float[][] embeddings, int[] classOf, int classes)
    {
        var indices = Enumerable.Range(0, records.Count).Where(i => records[i].Split == name).ToList();
        if (indices.Count == 0)
        {
            throw new InvalidInputException(new InputProblem(splits.First(s => s.Name == name).Path, 1, null, $"the {name} split has no records"));
        }

        return LabelledFeatures.FromRows(indices.Select(i => embeddings[i]).ToList(), indices.Select(i => classOf[i]).ToList(), classes);
    }

    /// <summary>One line per epoch on stdout.</summary>
    private static Progress<EpochReport> EpochLines() =>
        new(e => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch,3}: loss {e.TrainLoss:F4}, train accuracy {e.TrainAccuracy:F4}, valid accuracy {e.ValidAccuracy:F4}, valid MCC {e.ValidMcc:F4}, {e.Elapsed.TotalSeconds:F3} s{(e.Improved ? "  (best so far)" : string.Empty)}")));

    /// <summary>metrics.json: the test figures, the epochs, where the head started and the options it was trained with.</summary>
    private static JsonObject Metrics(
        HeadTrainingResult result, int agreement, IReadOnlyList<string> classNames, string encoder, string start, double embedSeconds, double trainSeconds, HeadTrainingOptions options)
    {
        var testFigures = result.Test!;
        return new JsonObject
        {
            ["accuracy"] = testFigures.Accuracy,
            ["mcc"] = testFigures.Mcc,
            ["n"] = testFigures.Count,
            ["macro_f1"] = testFigures.MacroF1,
            ["kept_epoch"] = result.KeptEpoch,
            ["best_epoch"] = result.BestEpoch,
            ["best_valid_accuracy"] = result.BestValidAccuracy,
            ["stopped_early"] = result.StoppedEarly,
            ["served_predictions_agree"] = agreement,
            ["class_names"] = new JsonArray(classNames.Select(n => (JsonNode)n).ToArray()),
            ["encoder"] = encoder,
            ["start"] = start,
            ["embedding_seconds"] = embedSeconds,
            ["training_seconds"] = trainSeconds,
            ["options"] = JsonSerializer.SerializeToNode(options),
            ["history"] = new JsonArray(result.History.Select(e => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["train_loss"] = e.TrainLoss,
                ["train_accuracy"] = e.TrainAccuracy,
                ["valid_accuracy"] = e.ValidAccuracy,
                ["valid_mcc"] = e.ValidMcc,
                ["seconds"] = e.Elapsed.TotalSeconds,
            }).ToArray()),
        };
    }

    /// <summary>test-predictions.tsv: each test record's label and the kept head's prediction.</summary>
    private static async Task WriteTestPredictionsAsync(
        string outputDirectory, List<(string Split, SequenceRecord Record)> records, int[] classOf, IReadOnlyList<string> classNames, SplitEvaluation testFigures, CancellationToken cancellationToken)
    {
        // The test split is read last, so its records are the list's tail.
        var testRecords = records.Where(r => r.Split == "test").Select(r => r.Record).ToList();
        await File.WriteAllLinesAsync(
            Path.Combine(outputDirectory, TestPredictionsFile),
            ["id\tlabel\tpredicted", .. testRecords.Select((r, i) => $"{r.Id}\t{classNames[classOf[records.Count - testRecords.Count + i]]}\t{classNames[testFigures.Predictions[i]]}")],
            cancellationToken);
    }

    private static async Task<IReadOnlyList<string>> ClassNamesAsync(
        string? labelsPath, IReadOnlyList<string>? headLabels, IEnumerable<SequenceRecord> records, CancellationToken cancellationToken)
    {
        if (labelsPath is not null)
        {
            return (await LabelSet.ReadAsync(labelsPath, cancellationToken)).Names;
        }

        // A starting head names its classes; the splits' ids (or those names) are read against them.
        if (headLabels is not null)
        {
            return headLabels;
        }

        var ids = new SortedSet<int>();
        foreach (var record in records)
        {
            if (!int.TryParse(record.Label, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new InvalidInputException(new InputProblem(record.SourceFile, record.Line, record.Id,
                    string.IsNullOrWhiteSpace(record.Label) ? "the record has no label" : $"label '{record.Label}' is not a class id; pass --labels to name the classes"));
            }

            ids.Add(id);
        }

        var classes = ids.Count == 0 ? 0 : ids.Max + 1;
        return classes >= 2
            ? Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray()
            : throw new InvalidOperationException("Fine-tuning needs at least two classes among the labels.");
    }

    /// <summary>
    /// Mean residue embeddings of every record, in order, through the cluster (each distinct sequence once): the
    /// records go to a TSV under the output folder (ids replaced by their index, since splits may reuse ids) and run
    /// as an ordinary embed job through the one submission path; its folder is removed once read.
    /// </summary>
    private static async Task<float[][]> EmbedAsync(
        List<SequenceRecord> records, string modelDirectory, string outputDirectory, string? cluster, int? devices, Func<JobRequest, JobRequest> share, CliConfiguration configuration, CancellationToken ct)
    {
        var jobDirectory = Path.Combine(outputDirectory, EmbeddingJobDirectory);
        Directory.CreateDirectory(jobDirectory);
        var input = Path.Combine(jobDirectory, "records.tsv");
        await File.WriteAllLinesAsync(input, ["id\tsequence", .. records.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"{i}\t{r.Sequence}"))], ct);
        // The folder is this command's own scratch (it holds the records file), so the job may write into it.
        var request = share(new JobRequest("finetune", input, jobDirectory, modelDirectory, JobChoices.Embed, null, false, LabelSet.DefaultTemplate, FailOnInvalid: true, Overwrite: true));
        var outcome = (await ScreenCommand.RunAsync(new ScreenJob(request, devices, cluster, KeepView: false, Resumable: false), configuration, ct))!;
        if (outcome.Status.Phase != JobPhase.Completed)
        {
            throw new InvalidOperationException($"The embedding job {outcome.Status.JobId} ended {outcome.Status.Phase.ToString().ToLowerInvariant()}: {outcome.Status.Error}");
        }

        if (outcome.Status.Failures > 0)
        {
            // Training needs every record's features.
            await foreach (var failed in ScreenResultReader.ReadFailuresAsync(jobDirectory, ct))
            {
                throw new InvalidOperationException($"Record {records[int.Parse(failed.Id, CultureInfo.InvariantCulture)].Id} failed on the devices and has no embedding to train on: {failed.Error}");
            }

            throw new InvalidOperationException($"The embedding job {outcome.Status.JobId} counted {outcome.Status.Failures} device failures but its {FailuresTable.FileName} lists none.");
        }

        var embeddings = new float[records.Count][];
        await foreach (var row in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(jobDirectory), withFeature: false, ct))
        {
            embeddings[int.Parse(row.Id, CultureInfo.InvariantCulture)] = row.Embedding;
        }

        Directory.Delete(jobDirectory, recursive: true);
        return embeddings;
    }

    /// <summary>How many test predictions of the written folder's served head equal the trainer's, as a check of the export.</summary>
    private static int ServedAgreement(string folder, LabelledFeatures test, SplitEvaluation trained, InferenceOptions options)
    {
        using var head = HeadSession.Open(ModelFolder.Open(folder, verifyHashes: false), options);
        var probabilities = head.Run(test.Features, test.Count);
        var agree = Enumerable.Range(0, test.Count)
            .Count(i => ZeroShotScorer.ArgMax(probabilities.AsSpan(i * head.OutputWidth, head.OutputWidth)) == trained.Predictions[i]);
        if (agree != test.Count)
        {
            throw new InvalidOperationException($"The served head predicts differently from the trained one on {test.Count - agree} of {test.Count} test records; the export is wrong.");
        }

        return agree;
    }
}
