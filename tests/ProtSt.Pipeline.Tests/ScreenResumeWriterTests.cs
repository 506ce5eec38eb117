using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class ScreenResumeWriterTests
{
    private static readonly ScoreColumns Columns = new(ScoreColumns.ZeroShotPrefix, ["a", "b"]);

    private static float[] Vector(int i) => [i, i + 0.25f, -i];

    private static float[] Feature(int i) => [i * 2f];

    private static float[] Scores(int i) => [i % 3, 1f - (i % 3)];

    private static async Task WriteRowsAsync(ScreenResultWriter writer, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (i % 7 == 3)
            {
                await writer.WriteFailureAsync($"P{i}", i, "out of memory", CancellationToken.None);
            }
            else
            {
                await writer.WriteAsync($"P{i}", i, false, Vector(i), Feature(i), Scores(i), CancellationToken.None);
            }
        }
    }

    private static async Task<string[]> FilesOfACleanRunAsync(TempDirectory scratch, int rows)
    {
        var clean = scratch.Combine("clean");
        await using (var writer = new ScreenResultWriter(clean, Columns, withFeature: true, rowGroupSize: 5))
        {
            await WriteRowsAsync(writer, 0, rows);
        }

        return [await File.ReadAllTextAsync(Path.Combine(clean, ScreenResultWriter.ResultsFile)), await File.ReadAllTextAsync(Path.Combine(clean, ScreenResultWriter.FailuresFile))];
    }

    [Fact]
    public async Task A_job_resumed_from_a_checkpoint_ends_with_the_files_of_a_run_that_never_stopped()
    {
        using var scratch = new TempDirectory();
        var died = scratch.Combine("died");
        ScreenFilesCheckpoint resumeFrom;
        await using (var writer = new ScreenResultWriter(died, Columns, withFeature: true, rowGroupSize: 5))
        {
            await WriteRowsAsync(writer, 0, 12);
            resumeFrom = await writer.CheckpointAsync(CancellationToken.None);
            Assert.Equal((10, 2), (resumeFrom.Rows, resumeFrom.Failures));

            // Work after the last recorded checkpoint: appended row groups, a later checkpoint that was never recorded,
            // and rows still in buffers when the process died.
            await WriteRowsAsync(writer, 12, 19);
            await writer.CheckpointAsync(CancellationToken.None);
            await WriteRowsAsync(writer, 19, 22);

            // What a kill leaves on disk: copied before the writer completes anything, plus torn tails.
            CopyFiles(died, scratch.Combine("crashed"));
        }

        var crashed = scratch.Combine("crashed");
        await File.AppendAllTextAsync(Path.Combine(crashed, ScreenResultWriter.ResultsFile), "P22\t2");
        await File.AppendAllTextAsync(Path.Combine(crashed, ScreenResultWriter.EmbeddingsFile), "torn row group");

        await using (var writer = ScreenResultWriter.Resume(crashed, resumeFrom, Columns, withFeature: true, rowGroupSize: 5))
        {
            Assert.Equal((10, 2), (writer.Rows, writer.Failures));
            await WriteRowsAsync(writer, 12, 30);
        }

        var clean = await FilesOfACleanRunAsync(scratch, 30);
        Assert.Equal(clean[0], await File.ReadAllTextAsync(Path.Combine(crashed, ScreenResultWriter.ResultsFile)));
        Assert.Equal(clean[1], await File.ReadAllTextAsync(Path.Combine(crashed, ScreenResultWriter.FailuresFile)));
        var parquet = Path.Combine(crashed, ScreenResultWriter.EmbeddingsFile);
        var embeddings = await EmbeddingParquetReader.ReadAllAsync(parquet, CancellationToken.None);
        var features = await EmbeddingParquetReader.ReadAllAsync(parquet, CancellationToken.None, EmbeddingParquetWriter.FeatureColumn);
        var expected = Enumerable.Range(0, 30).Where(i => i % 7 != 3).ToList();
        Assert.Equal(expected.Select(i => $"P{i}"), embeddings.Select(e => e.Id));
        Assert.Equal(expected.Select(Vector), embeddings.Select(e => e.Vector));
        Assert.Equal(expected.Select(Feature), features.Select(e => e.Vector));
    }

    [Fact]
    public async Task A_checkpoint_before_any_row_and_a_resume_that_writes_nothing_both_leave_valid_files()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        ScreenFilesCheckpoint empty;
        await using (var writer = new ScreenResultWriter(directory))
        {
            empty = await writer.CheckpointAsync(CancellationToken.None);
        }

        await using (ScreenResultWriter.Resume(directory, empty))
        {
        }

        Assert.Empty(await EmbeddingParquetReader.ReadAllAsync(Path.Combine(directory, ScreenResultWriter.EmbeddingsFile), CancellationToken.None));
        await using (var writer = ScreenResultWriter.Resume(directory, empty))
        {
            await writer.WriteAsync("P1", 3, false, new float[] { 1f }, CancellationToken.None);
        }

        Assert.Equal(["P1"], (await EmbeddingParquetReader.ReadAllAsync(Path.Combine(directory, ScreenResultWriter.EmbeddingsFile), CancellationToken.None)).Select(r => r.Id));
        Assert.Equal(["id\tlength\ttruncated", "P1\t3\tfalse"], await File.ReadAllLinesAsync(Path.Combine(directory, ScreenResultWriter.ResultsFile)));
    }

    [Fact]
    public async Task Resuming_files_of_another_job_or_files_cut_short_is_refused_with_the_reason()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        ScreenFilesCheckpoint checkpoint;
        await using (var writer = new ScreenResultWriter(directory, Columns, withFeature: true))
        {
            await WriteRowsAsync(writer, 0, 4);
            checkpoint = await writer.CheckpointAsync(CancellationToken.None);
        }

        var other = Assert.Throws<InvalidDataException>(() => ScreenResultWriter.Resume(directory, checkpoint, new ScoreColumns(ScoreColumns.ZeroShotPrefix, ["a", "c"]), withFeature: true));
        Assert.Contains("not written by the same job", other.Message, StringComparison.Ordinal);

        var results = Path.Combine(directory, ScreenResultWriter.ResultsFile);
        var text = await File.ReadAllTextAsync(results);
        await File.WriteAllTextAsync(results, text[..(text.IndexOf('\n', StringComparison.Ordinal) + 5)]);
        var cut = Assert.Throws<InvalidDataException>(() => ScreenResultWriter.Resume(directory, checkpoint, Columns, withFeature: true));
        Assert.Contains("fewer than the", cut.Message, StringComparison.Ordinal);
        Assert.Contains(ScreenResultWriter.ResultsFile, cut.Message, StringComparison.Ordinal);
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var target = File.Create(Path.Combine(to, Path.GetFileName(file)));
            source.CopyTo(target);
        }
    }
}
