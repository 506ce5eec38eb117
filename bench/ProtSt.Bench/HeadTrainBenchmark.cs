using System.Diagnostics;
using System.Globalization;
using ProtSt.Training;

namespace ProtSt.Bench;

/// <summary>
/// Time per epoch of the managed classifier-head trainer at ESM-2 650M's width on synthetic features, and what that
/// means for the published 100 epochs.
/// </summary>
internal static class HeadTrainBenchmark
{
    private const int PublishedEpochs = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var rows = arguments.Int("--rows", 5000);
        var hidden = arguments.Int("--hidden", 1280);
        var epochs = arguments.Int("--epochs", 5);
        var batch = arguments.Int("--batch", 256);

        var random = new Random(1);
        var train = Clusters(rows, hidden, random);
        var valid = Clusters(Math.Max(2, rows / 10), hidden, random);
        var options = new HeadTrainingOptions { BatchSize = batch, MaxEpochs = epochs, Patience = 0 };

        Console.WriteLine($"head: Linear({hidden}, {hidden}) → ReLU → Linear({hidden}, 2), fp32, managed trainer, {Environment.ProcessorCount} cores");
        Console.WriteLine($"input: {rows} synthetic training rows (two Gaussian clusters), {valid.Count} validation rows; batch {batch}, {epochs} epochs, lr {options.LearningRate}");

        var seconds = new List<double>();
        var stopwatch = Stopwatch.StartNew();
        var result = await HeadTrainer.TrainAsync(train, valid, null, null, options, new Lap(stopwatch, seconds), CancellationToken.None);

        Console.WriteLine();
        Console.WriteLine("| epoch | seconds | training rows/s | train loss | valid accuracy |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        for (var e = 0; e < seconds.Count; e++)
        {
            var report = result.History[e];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {report.Epoch} | {seconds[e]:F2} | {rows / seconds[e]:F0} | {report.TrainLoss:F4} | {report.ValidAccuracy:F3} |"));
        }

        // The first epoch also pays for JIT compilation; the steady state is the mean of the others.
        var steady = seconds.Count > 1 ? seconds.Skip(1).Average() : seconds[0];
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"steady state: {steady:F2} s/epoch (validation pass included), {rows / steady:F0} training rows/s; {PublishedEpochs} epochs ≈ {steady * PublishedEpochs / 60:F1} min"));
        return 0;
    }

    private static LabelledFeatures Clusters(int count, int hidden, Random random)
    {
        var features = new float[(long)count * hidden];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = random.Next(2);
            var shift = labels[i] == 1 ? 0.05f : -0.05f;
            for (var d = 0; d < hidden; d++)
            {
                features[((long)i * hidden) + d] = shift + (float)((random.NextDouble() * 2) - 1);
            }
        }

        return new LabelledFeatures(features, labels, hidden, classes: 2);
    }

    /// <summary>Records each epoch's wall time as the trainer reports it, synchronously on the training thread.</summary>
    private sealed class Lap(Stopwatch stopwatch, List<double> seconds) : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            seconds.Add(stopwatch.Elapsed.TotalSeconds);
            stopwatch.Restart();
        }
    }
}
