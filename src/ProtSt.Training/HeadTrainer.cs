using ProtSt.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace ProtSt.Training;

/// <summary>
/// Trains ProtST's classifier head on precomputed frozen-encoder features: cross-entropy, AdamW at a constant rate,
/// shuffled mini-batches, early stopping on validation accuracy, and the best-validation weights restored at the end.
/// </summary>
public static class HeadTrainer
{
    // Evaluation runs in slices so the [rows, h] activation stays bounded whatever the split size.
    private const int EvaluationSlice = 4096;

    public static Task<HeadTrainingResult> TrainAsync(
        LabelledFeatures train,
        LabelledFeatures valid,
        LabelledFeatures? test,
        HeadTrainingOptions options,
        IProgress<EpochReport>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireRows(train, "training", nameof(train));
        RequireRows(valid, "validation", nameof(valid));
        RequireSameShape(train, valid, "validation", nameof(valid));
        if (test is not null)
        {
            RequireRows(test, "test", nameof(test));
            RequireSameShape(train, test, "test", nameof(test));
        }

        // Torch's grad mode is per thread and the work is CPU-bound: run it whole on one pool thread, off the caller's context.
        return Task.Run(() => Train(train, valid, test, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>Runs <paramref name="head"/> through torch on <paramref name="data"/>: softmax probabilities, arg-max predictions and their metrics.</summary>
    public static SplitEvaluation Evaluate(ClassifierHead head, LabelledFeatures data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Dimension != head.HiddenSize || data.Classes != head.NumLabels)
        {
            throw new ArgumentException(
                $"The features are {data.Dimension}-dimensional with {data.Classes} classes but the head takes {head.HiddenSize} and predicts {head.NumLabels}.",
                nameof(data));
        }

        using var module = new HeadModule(head);
        using var features = torch.tensor(data.Features, [data.Count, data.Dimension]);
        return Evaluate(module, features, data, cancellationToken);
    }

    private static HeadTrainingResult Train(
        LabelledFeatures train,
        LabelledFeatures valid,
        LabelledFeatures? test,
        HeadTrainingOptions options,
        IProgress<EpochReport>? progress,
        CancellationToken cancellationToken)
    {
        // One seeded stream draws the initial weights and then every epoch's order: a run is a function of the seed.
        var random = new Random(options.Seed);
        using var module = new HeadModule(HeadModule.Initial(train.Dimension, train.Classes, random));
        using var optimizer = torch.optim.AdamW(
            module.Parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        using var trainFeatures = torch.tensor(train.Features, [train.Count, train.Dimension]);
        using var trainLabels = torch.tensor(train.Labels.Select(l => (long)l).ToArray());
        using var validFeatures = torch.tensor(valid.Features, [valid.Count, valid.Dimension]);

        var order = new long[train.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var history = new List<EpochReport>();
        var best = module.Snapshot();
        var bestEpoch = 0;
        var bestAccuracy = double.NegativeInfinity;
        var stoppedEarly = false;
        for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            random.Shuffle(order);
            var (loss, accuracy) = RunEpoch(module, optimizer, trainFeatures, trainLabels, order, options.BatchSize, cancellationToken);
            var validation = Evaluate(module, validFeatures, valid, cancellationToken);
            var improved = validation.Accuracy > bestAccuracy;
            if (improved)
            {
                best = module.Snapshot();
                bestEpoch = epoch;
                bestAccuracy = validation.Accuracy;
            }

            var report = new EpochReport(epoch, loss, accuracy, validation.Accuracy, validation.Mcc, improved);
            history.Add(report);
            progress?.Report(report);
            if (options.Patience > 0 && epoch - bestEpoch >= options.Patience && epoch < options.MaxEpochs)
            {
                stoppedEarly = true;
                break;
            }
        }

        SplitEvaluation? testEvaluation = null;
        if (test is not null)
        {
            module.Load(best);
            using var testFeatures = torch.tensor(test.Features, [test.Count, test.Dimension]);
            testEvaluation = Evaluate(module, testFeatures, test, cancellationToken);
        }

        return new HeadTrainingResult(best, bestEpoch, bestAccuracy, history, stoppedEarly, testEvaluation);
    }

    private static (double Loss, double Accuracy) RunEpoch(
        HeadModule module,
        optim.Optimizer optimizer,
        Tensor features,
        Tensor labels,
        long[] order,
        int batchSize,
        CancellationToken cancellationToken)
    {
        double lossSum = 0;
        long correct = 0;
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Every tensor of the step (batch, activations, gradients' temporaries) is freed here, not by the GC.
            using var scope = torch.NewDisposeScope();
            var count = Math.Min(batchSize, order.Length - start);
            var index = torch.tensor(order.AsSpan(start, count).ToArray());
            var x = features.index_select(0, index);
            var y = labels.index_select(0, index);
            optimizer.zero_grad();
            var logits = module.Forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>() * count;
            using (torch.no_grad())
            {
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
        }

        return (lossSum / order.Length, (double)correct / order.Length);
    }

    private static SplitEvaluation Evaluate(HeadModule module, Tensor features, LabelledFeatures data, CancellationToken cancellationToken)
    {
        var classes = data.Classes;
        var probabilities = new float[(long)data.Count * classes];
        var predictions = new int[data.Count];
        var matrix = new ConfusionMatrix(classes);
        using var noGrad = torch.no_grad();
        for (var start = 0; start < data.Count; start += EvaluationSlice)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var count = Math.Min(EvaluationSlice, data.Count - start);
            var slice = nn.functional.softmax(module.Forward(features.narrow(0, start, count)), 1);
            slice.data<float>().CopyTo(probabilities, start * classes);
            var argmax = slice.argmax(1).data<long>().ToArray();
            for (var row = 0; row < count; row++)
            {
                predictions[start + row] = (int)argmax[row];
                matrix.Add(data.Labels[start + row], predictions[start + row]);
            }
        }

        return new SplitEvaluation(data.Count, matrix.Accuracy, matrix.Mcc, matrix.MacroF1, predictions, probabilities);
    }

    private static void RequireRows(LabelledFeatures split, string role, string parameter)
    {
        if (split.Count == 0)
        {
            throw new ArgumentException($"The {role} split is empty; it needs at least one labelled row.", parameter);
        }
    }

    private static void RequireSameShape(LabelledFeatures train, LabelledFeatures other, string role, string parameter)
    {
        if (other.Dimension != train.Dimension)
        {
            throw new ArgumentException(
                $"The {role} features are {other.Dimension}-dimensional but the training features are {train.Dimension}-dimensional.", parameter);
        }

        if (other.Classes != train.Classes)
        {
            throw new ArgumentException($"The {role} split has {other.Classes} classes but the training split has {train.Classes}.", parameter);
        }
    }
}
