using ProtSt.Model.Demo;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Outputs;

/// <summary>A batch run in row slices (as a device does beside online work) gives the whole batch's outputs.</summary>
public sealed class BatchSlicesTests
{
    [Fact]
    public void Row_slices_of_a_batch_run_apart_and_joined_equal_the_batch_run_whole()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 2, HiddenSize = 32, Heads = 4, IntermediateSize = 64 });
        using var model = new Converted(scratch.Path);
        var random = new Random(5);
        var sequences = Enumerable.Range(0, 7)
            .Select(_ => new string(Enumerable.Range(0, random.Next(5, 90)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray()))
            .ToList();
        var batch = EncodedBatch.Create([.. sequences.Select(model.Tokenizer.Encode)], model.Tokenizer.PadId);
        var request = OutputRequest.Default.And(OutputKind.Residues);

        var whole = model.Session.Run(batch, request);
        var slices = new[] { (0, 3), (3, 3), (6, 1) }.Select(s => batch.Rows(s.Item1, s.Item2)).ToList();
        Assert.All(slices, s => Assert.Equal(batch.SequenceLength, s.SequenceLength));
        Assert.Equal(batch.RealTokens, slices.Sum(s => s.RealTokens));
        var joined = BatchOutputs.Concat([.. slices.Select(s => model.Session.Run(s, request))]);

        Assert.Equal((whole.BatchSize, whole.SequenceLength, whole.HiddenSize), (joined.BatchSize, joined.SequenceLength, joined.HiddenSize));

        // Padding and batch size do not change a row's values beyond float rounding (the encoder's masked attention).
        Assertions.Close(joined.Pooled, whole.Pooled.AsSpan(0, 7 * whole.HiddenSize), 1e-5, "pooled");
        Assertions.Close(joined.Residues!, whole.Residues!.AsSpan(0, 7 * whole.SequenceLength * whole.HiddenSize), 1e-5, "residues");
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Rows(6, 2));
    }
}
