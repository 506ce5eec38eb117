using System.Globalization;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>
/// ProtST through the 3-silo cluster: label prompts embedded once on a device, zero-shot scores and classifier
/// probabilities equal to the reference within 1e-4, and the aggregator's accuracy equal to the one computed by hand.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class ProtStThroughClusterTests(ClusterFixture fixture) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TempDirectory _scratch = new();

    [Fact]
    public async Task Zero_shot_scores_match_the_reference_and_the_aggregator_scores_the_labels()
    {
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-tiny");
        var model = _scratch.Combine("zero-shot");
        var manifest = ModelConverter.Convert(golden, model);
        var reference = ProtStGolden.Load("protst-tiny");
        var (proteins, prompts, expected) = (reference.Proteins, reference.Prompts, reference.Expected);
        var predictions = reference.Int64("prediction");

        // Labels: the reference prediction for even rows, a different class for odd rows, so accuracy is known by hand.
        var labels = predictions.Select((p, i) => i % 2 == 0 ? p : (p + 1) % 10).ToArray();
        var handAccuracy = labels.Zip(predictions).Count(pair => pair.First == pair.Second) / (double)labels.Length;
        var records = proteins.Select((sequence, i) => new SequenceRecord($"protein{i}", sequence, "golden", i + 1, labels[i].ToString(CultureInfo.InvariantCulture))).ToList();

        var scoring = await TextEmbedder.EmbedLabelsAsync(fixture.Cluster.Client, model, prompts[..10], manifest.LogitScale!.Value, new ScreenOptions().TextEmbeddingTimeout, CancellationToken.None);
        Assert.Equal((10, 32), (scoring.Labels, scoring.Width));
        Assertions.Close(scoring.LabelFeatures, expected.Get("text_feature").ReadFloat32().AsSpan(0, 10 * 32), Tolerance, "label features");

        var rows = new List<ShardRow>();
        // The job embeds the same prompts again, from a label file whose names are the prompts themselves.
        var labelFile = _scratch.Combine("prompts.tsv");
        await File.WriteAllLinesAsync(labelFile, ["name", .. prompts[..10]]);
        var driver = new JobDriver(fixture.Cluster.Client, new ScreenOptions { ShardSize = 2 }, new DrivenTask(JobTaskResolver.ZeroShot, labelFile, "{name}"));
        var snapshot = await driver.RunAsync("protst-zero-shot", model, records.ToAsyncEnumerable(), row =>
        {
            rows.Add(row);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        var logits = expected.Get("logits").ReadFloat32();
        var features = expected.Get("protein_feature").ReadFloat32();
        for (var i = 0; i < rows.Count; i++)
        {
            Assertions.Close(rows[i].Scores, logits.AsSpan(i * 10, 10), Tolerance, $"scores of protein {i}");
            Assertions.Close(rows[i].Feature, features.AsSpan(i * 32, 32), Tolerance, $"feature of protein {i}");
        }

        var figures = Assert.IsType<ClassificationFigures>(snapshot.Classification);
        Assert.Equal(records.Count, figures.Labelled);
        Assert.Equal(handAccuracy, figures.Accuracy, 12);
        Assert.Equal(records.Count, figures.ConfusionMatrix.Sum(row => row.Sum()));
        for (var i = 0; i < labels.Length; i++)
        {
            Assert.True(figures.ConfusionMatrix[labels[i]][predictions[i]] > 0, $"pair ({labels[i]}, {predictions[i]}) of protein {i} was not counted");
        }
    }

    [Fact]
    public async Task Classifier_probabilities_match_the_reference()
    {
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-cls-tiny");
        var model = _scratch.Combine("classifier");
        var manifest = ModelConverter.Convert(golden, model);
        var reference = ProtStGolden.Load("protst-cls-tiny");
        var (proteins, expected) = (reference.Proteins, reference.Expected);
        var records = proteins.Select((sequence, i) => new SequenceRecord($"protein{i}", sequence, "golden", i + 1)).ToList();

        var rows = new List<ShardRow>();
        var driver = new JobDriver(fixture.Cluster.Client, new ScreenOptions(), new DrivenTask(JobTaskResolver.Classify));
        await driver.RunAsync("protst-classifier", model, records.ToAsyncEnumerable(), row =>
        {
            rows.Add(row);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        var probabilities = expected.Get("probabilities").ReadFloat32();
        Assert.Equal(records.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Null(rows[i].Feature);
            Assertions.Close(rows[i].Scores, probabilities.AsSpan(i * 2, 2), Tolerance, $"probabilities of protein {i}");
        }
    }

    public void Dispose() => _scratch.Dispose();
}
