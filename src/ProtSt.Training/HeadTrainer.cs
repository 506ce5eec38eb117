using System.Diagnostics;
using ProtSt.Pipeline;

namespace ProtSt.Training;

/// <summary>
/// Trains ProtST's classifier head on precomputed frozen-encoder features as the Hugging Face Trainer does in ProtST's
/// published fine-tuning: cross-entropy, gradients clipped to a global norm, AdamW at a constant rate with decay on
/// weights only, shuffled mini-batches, optional early stopping on validation accuracy, and the best-validation (or
/// last) weights kept.
/// </summary>
public static class HeadTrainer
{
    // Evaluation runs in slices so the [rows, h] activation stays bounded whatever the split size.
    private const int EvaluationSlice = 1024;

    /// <summary>Trains a head on <paramref name="train"/>, from <paramref name="initial"/> (a checkpoint's head) or, when null, from seeded nn.Linear initial weights.</summary>
    public static Task<HeadTrainingResult> TrainAsync(
        LabelledFeatures train,
        LabelledFeatures valid,
        LabelledFeatures? test,
        ClassifierHead? initial,
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

        if (initial is not null && (initial.HiddenSize != train.Dimension || initial.NumLabels != train.Classes))
        {
            throw new ArgumentException(
                $"The starting head takes {initial.HiddenSize} values and predicts {initial.NumLabels} classes, but the features are {train.Dimension}-dimensional with {train.Classes} classes.",
                nameof(initial));
        }

        // The work is CPU-bound: run it off the caller's context, on the pool that the matrix products also use.
        return Task.Run(() => Train(train, valid, test, initial, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>Runs <paramref name="head"/> on <paramref name="data"/>: softmax probabilities, arg-max predictions and their metrics.</summary>
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

        var backprop = new HeadBackprop(head.HiddenSize, head.NumLabels, Math.Clamp(data.Count, 1, EvaluationSlice));
        return Evaluate(backprop, HeadParameters.From(head), data, cancellationToken);
    }

    private static HeadTrainingResult Train(
        LabelledFeatures train,
        LabelledFeatures valid,
        LabelledFeatures? test,
        ClassifierHead? initial,
        HeadTrainingOptions options,
        IProgress<EpochReport>? progress,
        CancellationToken cancellationToken)
    {
        int h = train.Dimension, c = train.Classes;

        // One seeded stream draws the initial weights (unless a checkpoint gives them) and then every epoch's order: a run
        // is a function of the seed and the start.
        var random = new Random(options.Seed);
        var parameters = initial is null ? HeadParameters.Initial(h, c, random) : HeadParameters.From(initial);
        var gradients = new HeadParameters(h, c);
        var best = new HeadParameters(h, c);
        best.CopyFrom(parameters);
        var optimizer = new AdamW(parameters.Tensors, HeadParameters.Decayed, options);
        var largest = Math.Max(train.Count, Math.Max(valid.Count, test?.Count ?? 0));
        var backprop = new HeadBackprop(h, c, Math.Min(Math.Max(options.BatchSize, EvaluationSlice), largest));
        var batch = new float[(long)Math.Min(options.BatchSize, train.Count) * h];
        var batchLabels = new int[Math.Min(options.BatchSize, train.Count)];
        var order = new int[train.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var history = new List<EpochReport>();
        var bestEpoch = 0;
        var bestAccuracy = double.NegativeInfinity;
        var stoppedEarly = false;
        var clock = new Stopwatch();
        for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            clock.Restart();
            random.Shuffle(order);
            double lossSum = 0;
            long correct = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(options.BatchSize, order.Length - start);
                for (var row = 0; row < count; row++)
                {
                    var source = order[start + row];
                    train.Row(source).CopyTo(batch.AsSpan(row * h, h));
                    batchLabels[row] = train.Labels[source];
                }

                var step = backprop.LossAndGradients(parameters, batch, batchLabels.AsSpan(0, count), gradients);
                if (options.MaxGradNorm > 0)
                {
                    GradientClipping.ClipInPlace(gradients.Tensors, options.MaxGradNorm);
                }

                optimizer.Step(parameters.Tensors, gradients.Tensors);
                lossSum += step.MeanLoss * count;
                correct += step.Correct;
            }

            var validation = Evaluate(backprop, parameters, valid, cancellationToken);
            var improved = validation.Accuracy > bestAccuracy;
            if (improved)
            {
                best.CopyFrom(parameters);
                bestEpoch = epoch;
                bestAccuracy = validation.Accuracy;
            }

            var report = new EpochReport(epoch, lossSum / order.Length, (double)correct / order.Length, validation.Accuracy, validation.Mcc, improved, clock.Elapsed);
            history.Add(report);
            progress?.Report(report);
            if (options.Patience > 0 && epoch - bestEpoch >= options.Patience && epoch < options.MaxEpochs)
            {
                stoppedEarly = true;
                break;
            }
        }

        var (kept, keptEpoch) = options.Keep == HeadSelection.Last ? (parameters, history.Count) : (best, bestEpoch);
        var testEvaluation = test is null ? null : Evaluate(backprop, kept, test, cancellationToken);
        return new HeadTrainingResult(kept.ToHead(), keptEpoch, bestEpoch, bestAccuracy, history, stoppedEarly, testEvaluation);
    }

    private static SplitEvaluation Evaluate(HeadBackprop backprop, HeadParameters parameters, LabelledFeatures data, CancellationToken cancellationToken)
    {
        var classes = data.Classes;
        var probabilities = new float[(long)data.Count * classes];
        var predictions = new int[data.Count];
        var matrix = new ConfusionMatrix(classes);
        for (var start = 0; start < data.Count; start += backprop.Capacity)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(backprop.Capacity, data.Count - start);
            backprop.Predict(parameters, data.Features, start, count, probabilities.AsSpan(start * classes, count * classes), predictions.AsSpan(start, count));
            for (var row = start; row < start + count; row++)
            {
                matrix.Add(data.Labels[row], predictions[row]);
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
