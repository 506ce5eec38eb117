using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Pipeline.Tests;

public sealed class EmbeddingPipelineTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly EncoderSession _session;

    public EmbeddingPipelineTests()
    {
        DemoCheckpoint.Write(_scratch.Combine("hf"), new DemoModelSpec { Layers = 1, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        ModelConverter.Convert(_scratch.Combine("hf"), _scratch.Combine("model"));
        _session = EncoderSession.Open(_scratch.Combine("model"), new InferenceOptions { IntraOpThreads = 1 });
    }

    [Fact]
    public async Task Rows_come_out_in_input_order_with_each_sequences_own_embedding()
    {
        var random = new Random(11);
        var records = Enumerable.Range(0, 40)
            .Select(i => new SequenceRecord($"P{i}", new string(Enumerable.Range(0, random.Next(1, 200)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray()), "mem", i + 1))
            .ToList();
        var writer = new RecordingWriter();
        var options = new EmbeddingPipelineOptions { MaxTokensPerBatch = 600, ChunkSize = 16 };
        var summary = await new EmbeddingPipeline(_session, _session.Folder.CreateTokenizer(), options)
            .RunAsync(records.ToAsyncEnumerable(), writer, null, null, CancellationToken.None);

        Assert.Equal(records.Select(r => r.Id), writer.Rows.Select(r => r.Id));
        Assert.Equal(40, summary.Sequences);
        Assert.Equal(records.Sum(r => (long)r.Sequence.Length), summary.Residues);
        Assert.True(summary.PaddedTokens >= summary.RealTokens);

        var tokenizer = _session.Folder.CreateTokenizer();
        foreach (var (record, row) in records.Zip(writer.Rows))
        {
            var alone = _session.Run(EncodedBatch.Create([tokenizer.Encode(record.Sequence)], tokenizer.PadId)).Pooled;
            Assert.True(alone.Zip(row.Vector, (a, b) => Math.Abs(a - b)).Max() < 1e-5, record.Id);
        }
    }

    [Fact]
    public async Task Invalid_sequences_are_skipped_and_reported_or_stop_the_run()
    {
        SequenceRecord[] records = [new("ok1", "MKV", "in.fasta", 1), new("bad", "MK1V", "in.fasta", 3), new("ok2", "LLA", "in.fasta", 5)];
        var problems = new List<InputProblem>();
        var writer = new RecordingWriter();
        var skip = new EmbeddingPipeline(_session, _session.Folder.CreateTokenizer(), new EmbeddingPipelineOptions { OnInvalid = InvalidRecordPolicy.Skip });
        var summary = await skip.RunAsync(records.ToAsyncEnumerable(), writer, null, problems.Add, CancellationToken.None);
        Assert.Equal(["ok1", "ok2"], writer.Rows.Select(r => r.Id));
        Assert.Equal(1, summary.Skipped);
        var problem = Assert.Single(problems);
        Assert.Equal(("in.fasta", 3L, "bad"), (problem.SourceFile, problem.Line, problem.Id));
        Assert.Contains("'1' at residue 3", problem.Message, StringComparison.Ordinal);

        var fail = new EmbeddingPipeline(_session, _session.Folder.CreateTokenizer(), new EmbeddingPipelineOptions());
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => fail.RunAsync(records.ToAsyncEnumerable(), new RecordingWriter(), null, null, CancellationToken.None));
        Assert.StartsWith("in.fasta:3: bad:", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _session.Dispose();
        _scratch.Dispose();
    }

    private sealed class RecordingWriter : IEmbeddingWriter
    {
        public List<(string Id, float[] Vector)> Rows { get; } = [];

        public ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, CancellationToken cancellationToken)
        {
            Rows.Add((id, vector.ToArray()));
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
