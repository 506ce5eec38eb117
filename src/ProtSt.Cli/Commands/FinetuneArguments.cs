using System.CommandLine;
using ProtSt.Training;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst finetune</c>'s options: the splits, the model folders, the training settings that override configs, and where the embeddings run.</summary>
internal sealed class FinetuneArguments
{
    public Option<string> Train { get; } = new("--train") { Description = "Training split: CSV, TSV or Parquet with id, sequence and label columns (the ProtST dataset layout works as is).", Required = true };

    public Option<string> Valid { get; } = new("--valid") { Description = "Validation split (its accuracy picks the epoch kept, and early stopping when set).", Required = true };

    public Option<string> Test { get; } = new("--test") { Description = "Test split (accuracy and MCC of the kept head).", Required = true };

    public Option<string> Model { get; } = new("--model", "-m") { Description = "The model folder whose encoder stays frozen: a classifier folder (its head is the start, as published) or an ESM or ProtST zero-shot folder (a fresh, seeded head).", Required = true };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "The classifier model folder to write (it references --model; it does not copy it).", Required = true };

    public Option<string?> Labels { get; } = new("--labels") { Description = "Class names: a label table (TSV with id and name, or a CSV/TSV/Parquet with a name column in label order, as the subloc_template dataset; default: a classifier's own names, else the label ids)." };

    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Most epochs (default from configs: 100, as published)." };

    public Option<int?> Patience { get; } = new("--patience") { Description = "Epochs without a better validation accuracy before stopping (default 0, as published: never stop early)." };

    public Option<double?> LearningRate { get; } = new("--lr") { Description = "AdamW learning rate (default 5e-5, as published)." };

    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay on the weight matrices, never the biases (default 0, as published)." };

    public Option<double?> MaxGradNorm { get; } = new("--max-grad-norm") { Description = "Clip the gradients' global L2 norm to this before each step (default 1.0, as published; 0: no clipping)." };

    public Option<HeadSelection?> Keep { get; } = new("--keep") { Description = "Which epoch's head to write: best (by validation accuracy, as published) or last." };

    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Mini-batch size (default 256, the published effective batch)." };

    public Option<int?> Seed { get; } = new("--seed") { Description = "Seed of the shuffles and of a fresh head's initial weights." };

    public Option<int?> Devices { get; } = CliOptions.Devices("Devices of the embedded silo (default from configs).");

    public Option<string?> Cluster { get; } = CliOptions.ClusterOption("Compute the embeddings on a running cluster whose membership is in this Redis (the output folder must be a path every silo sees).");

    public SharingOptions Sharing { get; } = new();

    /// <summary>Every option, in the order <c>--help</c> lists them.</summary>
    public IEnumerable<Option> All =>
        [Train, Valid, Test, Model, Output, Labels, Epochs, Patience, LearningRate, WeightDecay, MaxGradNorm, Keep, BatchSize, Seed, Devices, Cluster, .. Sharing.All];

    /// <summary>The three splits by name, in the order they are read and embedded.</summary>
    public (string Name, string Path)[] Splits(ParseResult parse) =>
        [("train", parse.GetValue(Train)!), ("valid", parse.GetValue(Valid)!), ("test", parse.GetValue(Test)!)];

    /// <summary>The configured training options with the command line's over them, checked.</summary>
    public HeadTrainingOptions Training(ParseResult parse, HeadTrainingOptions options)
    {
        options.MaxEpochs = parse.GetValue(Epochs) ?? options.MaxEpochs;
        options.Patience = parse.GetValue(Patience) ?? options.Patience;
        options.LearningRate = parse.GetValue(LearningRate) ?? options.LearningRate;
        options.WeightDecay = parse.GetValue(WeightDecay) ?? options.WeightDecay;
        options.MaxGradNorm = parse.GetValue(MaxGradNorm) ?? options.MaxGradNorm;
        options.Keep = parse.GetValue(Keep) ?? options.Keep;
        options.BatchSize = parse.GetValue(BatchSize) ?? options.BatchSize;
        options.Seed = parse.GetValue(Seed) ?? options.Seed;
        options.Validate();
        return options;
    }
}
