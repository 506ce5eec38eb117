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

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>protst finetune</c>: ProtST's published fine-tuning (a classifier head on a frozen encoder), with the frozen
/// encoder's embeddings of every split computed once through the cluster instead of every epoch, then the head
/// trained here and written as a model folder that serves the encoder folder it was trained on.
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
        var train = new Option<string>("--train") { Description = "Training split: CSV, TSV or Parquet with id, sequence and label columns (the ProtST dataset layout works as is).", Required = true };
        var valid = new Option<string>("--valid") { Description = "Validation split (early stopping on its accuracy).", Required = true };
        var test = new Option<string>("--test") { Description = "Test split (accuracy and MCC of the kept head).", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "The model folder whose encoder stays frozen (an ESM or ProtST zero-shot folder).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The classifier model folder to write (it references --model; it does not copy it).", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Class names: a tab-separated file with id and name columns (default: the label ids)." };
        var epochs = new Option<int?>("--epochs") { Description = "Most epochs (default from configs: 100, as published)." };
        var patience = new Option<int?>("--patience") { Description = "Epochs without a better validation accuracy before stopping (0: never stop early)." };
        var learningRate = new Option<double?>("--lr") { Description = "AdamW learning rate (default 5e-5, as published)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Mini-batch size (default 256, the published effective batch)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the initial weights and the shuffles." };
        var devices = new Option<int?>("--devices") { Description = "Devices of the embedded silo (default from configs)." };
        var cluster = CliOptions.ClusterOption("Compute the embeddings on a running cluster whose membership is in this Redis (the output folder must be a path every silo sees).");
        var command = new Command("finetune", "Train ProtST's classifier head on a frozen encoder: embeddings once through the cluster, then the head; writes a served model folder.")
        {
            train, valid, test, model, output, labels, epochs, patience, learningRate, batchSize, seed, devices, cluster,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse.GetValue(CliOptions.Config) ?? []);
            var options = configuration.Training;
            options.MaxEpochs = parse.GetValue(epochs) ?? options.MaxEpochs;
            options.Patience = parse.GetValue(patience) ?? options.Patience;
            options.LearningRate = parse.GetValue(learningRate) ?? options.LearningRate;
            options.BatchSize = parse.GetValue(batchSize) ?? options.BatchSize;
            options.Seed = parse.GetValue(seed) ?? options.Seed;
            options.Validate();

            var modelDirectory = parse.GetValue(model)!;
            var folder = ModelFolder.Open(modelDirectory, configuration.Inference.VerifyModelHash);
            if (folder.BaseModel is not null || folder.Manifest.Kind == ModelKind.Classifier)
            {
                throw new InvalidOperationException($"'{modelDirectory}' is a classifier; fine-tune on the folder that holds the encoder (an ESM or ProtST zero-shot folder).");
            }

            var outputDirectory = Path.GetFullPath(parse.GetValue(output)!);
            if (outputDirectory == folder.Directory)
            {
                throw new InvalidOperationException("--output must be a new folder, not the encoder's own folder.");
            }

            // Read all three splits first: a bad record or label is reported before any compute.
            var splits = new[] { ("train", parse.GetValue(train)!), ("valid", parse.GetValue(valid)!), ("test", parse.GetValue(test)!) };
            var records = new List<(string Split, SequenceRecord Record)>();
            foreach (var (name, path) in splits)
            {
                await foreach (var record in SequenceInput.ReadAsync(path, InvalidRecordPolicy.Fail, null, ct))
                {
                    records.Add((name, record));
                }
            }

            var classNames = ClassNames(parse.GetValue(labels), records.Select(r => r.Record));
            var jobLabels = new JobLabels(classNames);
            var classOf = records.Select(r => jobLabels.ClassOf(r.Record.Label)
                ?? throw new InvalidInputException(new InputProblem(r.Record.SourceFile, r.Record.Line, r.Record.Id,
                    $"label '{r.Record.Label}' is neither a class id below {classNames.Count} nor a class name ({string.Join(", ", classNames)})"))).ToArray();

            Console.WriteLine($"embedding {records.Count} sequences ({string.Join(", ", splits.Select(s => $"{records.Count(r => r.Split == s.Item1)} {s.Item1}"))}) once with the frozen encoder of {folder.Directory}");
            var stopwatch = Stopwatch.StartNew();
            var embeddings = await EmbedAsync(records.Select(r => r.Record).ToList(), folder.Directory, outputDirectory, parse.GetValue(cluster), parse.GetValue(devices), configuration, ct);
            var embedSeconds = stopwatch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded {records.Count} sequences in {embedSeconds:F1} s ({records.Count / Math.Max(embedSeconds, 1e-9):F1} sequences/s)"));

            LabelledFeatures Split(string name)
            {
                var indices = Enumerable.Range(0, records.Count).Where(i => records[i].Split == name).ToList();
                if (indices.Count == 0)
                {
                    throw new InvalidInputException(new InputProblem(splits.First(s => s.Item1 == name).Item2, 1, null, $"the {name} split has no records"));
                }

                return LabelledFeatures.FromRows(indices.Select(i => embeddings[i]).ToList(), indices.Select(i => classOf[i]).ToList(), classNames.Count);
            }

            var progress = new Progress<EpochReport>(e => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {e.Epoch,3}: loss {e.TrainLoss:F4}, train accuracy {e.TrainAccuracy:F4}, valid accuracy {e.ValidAccuracy:F4}, valid MCC {e.ValidMcc:F4}{(e.Improved ? "  (best so far)" : string.Empty)}")));
            stopwatch.Restart();
            var result = await HeadTrainer.TrainAsync(Split("train"), Split("valid"), Split("test"), options, progress, ct);
            var trainSeconds = stopwatch.Elapsed.TotalSeconds;
            var testFigures = result.Test!;

            var headDirectory = Path.Combine(outputDirectory, HeadDirectory);
            ClassifierHeadFile.Write(headDirectory, result.Head, classNames);
            ModelConverter.AttachClassifier(folder.Directory, Path.Combine(headDirectory, ClassifierHeadFile.WeightsFileName), classNames, outputDirectory);
            var agreement = ServedAgreement(outputDirectory, Split("test"), testFigures, configuration.Inference);

            var metrics = new JsonObject
            {
                ["accuracy"] = testFigures.Accuracy,
                ["mcc"] = testFigures.Mcc,
                ["n"] = testFigures.Count,
                ["macro_f1"] = testFigures.MacroF1,
                ["best_epoch"] = result.BestEpoch,
                ["best_valid_accuracy"] = result.BestValidAccuracy,
                ["stopped_early"] = result.StoppedEarly,
                ["served_predictions_agree"] = agreement,
                ["class_names"] = new JsonArray(classNames.Select(n => (JsonNode)n).ToArray()),
                ["encoder"] = folder.Directory,
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
                }).ToArray()),
            };
            var testRecords = records.Where(r => r.Split == "test").Select(r => r.Record).ToList();
            await File.WriteAllLinesAsync(
                Path.Combine(outputDirectory, TestPredictionsFile),
                ["id\tlabel\tpredicted", .. testRecords.Select((r, i) => $"{r.Id}\t{classNames[classOf[records.Count - testRecords.Count + i]]}\t{classNames[testFigures.Predictions[i]]}")],
                ct);
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, MetricsFile), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy {testFigures.Accuracy:F4}, MCC {testFigures.Mcc:F4} on {testFigures.Count} records (best epoch {result.BestEpoch} of {result.History.Count}); " +
                $"wrote the classifier folder {outputDirectory} (serve it with protst screen or eval)"));
            return 0;
        }));
        return command;
    }

    private static IReadOnlyList<string> ClassNames(string? labelsPath, IEnumerable<SequenceRecord> records)
    {
        if (labelsPath is not null)
        {
            return LabelSet.Read(labelsPath).Names;
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
        List<SequenceRecord> records, string modelDirectory, string outputDirectory, string? cluster, int? devices, CliConfiguration configuration, CancellationToken ct)
    {
        var jobDirectory = Path.Combine(outputDirectory, EmbeddingJobDirectory);
        Directory.CreateDirectory(jobDirectory);
        var input = Path.Combine(jobDirectory, "records.tsv");
        await File.WriteAllLinesAsync(input, ["id\tsequence", .. records.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"{i}\t{r.Sequence}"))], ct);
        var request = new JobRequest("finetune", input, jobDirectory, modelDirectory, JobTaskResolver.Embed, null, false, LabelSet.DefaultTemplate, FailOnInvalid: true);
        var outcome = (await ScreenCommand.RunAsync(new ScreenJob(request, devices, cluster, KeepView: false, Resumable: false), configuration, ct))!;
        if (outcome.Status.Phase != JobPhase.Completed)
        {
            throw new InvalidOperationException($"The embedding job {outcome.Status.JobId} ended {outcome.Status.Phase.ToString().ToLowerInvariant()}: {outcome.Status.Error}");
        }

        if (outcome.Status.Failures > 0)
        {
            // Training needs every record's features.
            var failed = (await File.ReadAllLinesAsync(Path.Combine(jobDirectory, ScreenResultWriter.FailuresFile), ct)).Skip(1).First().Split('\t');
            throw new InvalidOperationException($"Record {records[int.Parse(failed[0], CultureInfo.InvariantCulture)].Id} failed on the devices and has no embedding to train on: {failed[2]}");
        }

        var embeddings = new float[records.Count][];
        foreach (var (id, vector) in await EmbeddingParquetReader.ReadAllAsync(Path.Combine(jobDirectory, ScreenResultWriter.EmbeddingsFile), ct))
        {
            embeddings[int.Parse(id, CultureInfo.InvariantCulture)] = vector;
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
