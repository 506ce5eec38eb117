using ProtSt.Training.Tests.Support;

namespace ProtSt.Training.Tests;

public sealed class HeadTrainerTests
{
    [Fact]
    public async Task Separable_clusters_train_to_high_test_accuracy_with_the_best_epoch_kept()
    {
        var (train, valid, test) = GaussianClusters.Splits(seed: 1);
        var options = Fast();
        var reports = new List<EpochReport>();

        var result = await HeadTrainer.TrainAsync(train, valid, test, null, options, new Collect(reports), CancellationToken.None);

        Assert.NotNull(result.Test);
        Assert.True(result.Test.Accuracy >= 0.9, $"test accuracy {result.Test.Accuracy}");
        Assert.True(result.Test.Mcc >= 0.8, $"test MCC {result.Test.Mcc}");
        Assert.Equal(test.Count, result.Test.Count);
        Assert.Equal(test.Count, result.Test.Predictions.Length);
        Assert.Equal(test.Count * 2, result.Test.Probabilities.Length);
        for (var row = 0; row < test.Count; row++)
        {
            Assert.Equal(1.0, result.Test.Probabilities[row * 2] + result.Test.Probabilities[(row * 2) + 1], 5);
        }

        Assert.InRange(result.History.Count, 1, options.MaxEpochs);
        Assert.Equal(result.History, reports);
        Assert.Equal(Enumerable.Range(1, result.History.Count), result.History.Select(r => r.Epoch));
        Assert.Equal(result.History.Max(r => r.ValidAccuracy), result.BestValidAccuracy);
        Assert.Equal(result.BestEpoch, result.History.First(r => r.ValidAccuracy == result.BestValidAccuracy).Epoch);
        Assert.True(result.History[result.BestEpoch - 1].Improved);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "training loss should fall");
    }

    [Fact]
    public async Task Best_weights_are_restored_not_the_last_epochs()
    {
        // Overlapping clusters: the head overfits 500 rows in 32 dimensions, so validation accuracy peaks and then falls.
        var (train, valid, test) = GaussianClusters.Splits(seed: 2, separation: 2);
        var options = Fast();
        options.Patience = 0;

        var result = await HeadTrainer.TrainAsync(train, valid, test, null, options, null, CancellationToken.None);

        Assert.True(result.History[^1].ValidAccuracy < result.BestValidAccuracy, "the premise: the last epoch is worse than the best");

        // The run is a function of the seed, so stopping a second run at the best epoch gives that epoch's weights.
        options.MaxEpochs = result.BestEpoch;
        var stoppedAtBest = await HeadTrainer.TrainAsync(train, valid, null, null, options, null, CancellationToken.None);
        Assert.Equal(result.BestEpoch, stoppedAtBest.History.Count);
        Assert.Equal(stoppedAtBest.Head.DenseWeight, result.Head.DenseWeight);
        Assert.Equal(stoppedAtBest.Head.OutProjBias, result.Head.OutProjBias);

        Assert.Equal(result.BestValidAccuracy, HeadTrainer.Evaluate(result.Head, valid, CancellationToken.None).Accuracy);
        var again = HeadTrainer.Evaluate(result.Head, test, CancellationToken.None);
        Assert.Equal(result.Test!.Probabilities, again.Probabilities);
        Assert.Equal(result.Test.Predictions, again.Predictions);
    }

    [Fact]
    public async Task Early_stopping_ends_training_once_validation_accuracy_stops_improving()
    {
        var (train, valid, _) = GaussianClusters.Splits(seed: 3);
        var options = Fast();
        options.MaxEpochs = 60;
        options.Patience = 2;

        var result = await HeadTrainer.TrainAsync(train, valid, null, null, options, null, CancellationToken.None);

        Assert.True(result.StoppedEarly);
        Assert.True(result.History.Count < options.MaxEpochs, $"ran {result.History.Count} of {options.MaxEpochs} epochs");
        Assert.Equal(result.BestEpoch + options.Patience, result.History.Count);
        Assert.All(result.History.Skip(result.BestEpoch), r => Assert.True(r.ValidAccuracy <= result.BestValidAccuracy));
        Assert.Null(result.Test);
    }

    [Fact]
    public async Task Zero_patience_runs_every_epoch()
    {
        var (train, valid, _) = GaussianClusters.Splits(seed: 3);
        var options = Fast();
        options.MaxEpochs = 12;
        options.Patience = 0;

        var result = await HeadTrainer.TrainAsync(train, valid, null, null, options, null, CancellationToken.None);

        Assert.False(result.StoppedEarly);
        Assert.Equal(options.MaxEpochs, result.History.Count);
    }

    [Fact]
    public async Task The_same_seed_gives_identical_weights_and_another_seed_does_not()
    {
        var (train, valid, test) = GaussianClusters.Splits(seed: 4);
        var options = Fast();
        options.MaxEpochs = 8;

        var first = await HeadTrainer.TrainAsync(train, valid, test, null, options, null, CancellationToken.None);
        var second = await HeadTrainer.TrainAsync(train, valid, test, null, options, null, CancellationToken.None);
        options.Seed++;
        var other = await HeadTrainer.TrainAsync(train, valid, test, null, options, null, CancellationToken.None);

        Assert.Equal(first.Head.DenseWeight, second.Head.DenseWeight);
        Assert.Equal(first.Head.DenseBias, second.Head.DenseBias);
        Assert.Equal(first.Head.OutProjWeight, second.Head.OutProjWeight);
        Assert.Equal(first.Head.OutProjBias, second.Head.OutProjBias);
        Assert.Equal(first.History.Select(Untimed), second.History.Select(Untimed));
        Assert.Equal(first.Test!.Probabilities, second.Test!.Probabilities);
        Assert.NotEqual(first.Head.DenseWeight, other.Head.DenseWeight);
    }

    [Fact]
    public async Task Cancellation_stops_training_between_batches()
    {
        var (train, valid, _) = GaussianClusters.Splits(seed: 5);
        var options = Fast();
        options.Patience = 0;
        using var cancellation = new CancellationTokenSource();
        var reports = new List<EpochReport>();
        var progress = new Collect(reports, r =>
        {
            if (r.Epoch == 2)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => HeadTrainer.TrainAsync(train, valid, null, null, options, progress, cancellation.Token));
        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
    }

    [Fact]
    public async Task An_already_cancelled_token_trains_nothing()
    {
        var (train, valid, _) = GaussianClusters.Splits(seed: 5);
        var reports = new List<EpochReport>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => HeadTrainer.TrainAsync(train, valid, null, null, Fast(), new Collect(reports), new CancellationToken(canceled: true)));
        Assert.Empty(reports);
    }

    [Fact]
    public async Task Bad_splits_are_refused_with_messages_that_say_what_is_wrong()
    {
        var (train, valid, test) = GaussianClusters.Splits(seed: 6);
        var empty = new LabelledFeatures([], [], GaussianClusters.Dimension, classes: 2);
        var narrow = new LabelledFeatures(new float[3 * 8], [0, 1, 0], dimension: 8, classes: 2);
        var threeClasses = new LabelledFeatures(valid.Features, valid.Labels, valid.Dimension, classes: 3);

        var noTrain = await Assert.ThrowsAsync<ArgumentException>(() => HeadTrainer.TrainAsync(empty, valid, null, null, Fast(), null, CancellationToken.None));
        Assert.Contains("training split is empty", noTrain.Message, StringComparison.Ordinal);
        var noValid = await Assert.ThrowsAsync<ArgumentException>(() => HeadTrainer.TrainAsync(train, empty, null, null, Fast(), null, CancellationToken.None));
        Assert.Contains("validation split is empty", noValid.Message, StringComparison.Ordinal);
        var dimension = await Assert.ThrowsAsync<ArgumentException>(() => HeadTrainer.TrainAsync(train, valid, narrow, null, Fast(), null, CancellationToken.None));
        Assert.Contains("test features are 8-dimensional but the training features are 32-dimensional", dimension.Message, StringComparison.Ordinal);
        var classes = await Assert.ThrowsAsync<ArgumentException>(() => HeadTrainer.TrainAsync(train, threeClasses, test, null, Fast(), null, CancellationToken.None));
        Assert.Contains("validation split has 3 classes but the training split has 2", classes.Message, StringComparison.Ordinal);
        var options = Fast();
        options.BatchSize = 0;
        var batch = await Assert.ThrowsAsync<ArgumentException>(() => HeadTrainer.TrainAsync(train, valid, test, null, options, null, CancellationToken.None));
        Assert.Equal(nameof(HeadTrainingOptions.BatchSize), batch.ParamName);
    }

    [Fact]
    public void Evaluate_refuses_features_the_head_was_not_built_for()
    {
        var (_, valid, _) = GaussianClusters.Splits(seed: 6);
        var head = new ClassifierHead(new float[16 * 16], new float[16], new float[2 * 16], new float[2]);

        var error = Assert.Throws<ArgumentException>(() => HeadTrainer.Evaluate(head, valid, CancellationToken.None));
        Assert.Contains("32-dimensional", error.Message, StringComparison.Ordinal);
        Assert.Contains("takes 16", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Quick settings for 32-dimensional toy data: a larger step than the published 5e-5, which is tuned for h = 1280 and 100 epochs.</summary>
    internal static HeadTrainingOptions Fast() => new()
    {
        LearningRate = 3e-3,
        BatchSize = 64,
        MaxEpochs = 30,
        Patience = 5,
        Seed = 7,
    };

    /// <summary>An epoch's figures without its wall time, which no two runs share.</summary>
    private static EpochReport Untimed(EpochReport report) => report with { Elapsed = TimeSpan.Zero };

    /// <summary>Records reports synchronously, unlike <see cref="Progress{T}"/>, which posts them to the thread pool.</summary>
    private sealed class Collect(List<EpochReport> reports, Action<EpochReport>? then = null) : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            reports.Add(value);
            then?.Invoke(value);
        }
    }
}
