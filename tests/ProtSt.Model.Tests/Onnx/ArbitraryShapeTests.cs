using ProtSt.Model.Demo;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>The converter is right for any depth, width and head count of the family, checked against the C# reference.</summary>
public sealed class ArbitraryShapeTests
{
    public static TheoryData<int, int, int, int, bool, bool, GraphVariant> Shapes() => new()
    {
        { 1, 32, 2, 48, false, true, GraphVariant.Fused },
        { 3, 48, 6, 96, false, true, GraphVariant.Fused },
        { 3, 48, 6, 96, false, true, GraphVariant.Plain },
        { 2, 40, 5, 80, true, true, GraphVariant.Fused },
        { 2, 40, 5, 80, true, false, GraphVariant.Plain },
        { 4, 24, 1, 24, false, false, GraphVariant.Fused },
        { 2, 36, 3, 72, true, true, GraphVariant.Fused },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Converted_graph_equals_reference(int layers, int hidden, int heads, int intermediate, bool esm1b, bool tokenDropout, GraphVariant variant)
    {
        using var scratch = new TempDirectory();
        var spec = new DemoModelSpec
        {
            Layers = layers,
            HiddenSize = hidden,
            Heads = heads,
            IntermediateSize = intermediate,
            Esm1b = esm1b,
            TokenDropout = tokenDropout,
            Seed = (ulong)((layers * 1000) + hidden),
        };
        DemoCheckpoint.Write(scratch.Path, spec);
        using var model = new Converted(scratch.Path, variant);
        var (config, checkpoint) = GoldenParityTests.Checkpoints(scratch.Path);
        var reference = new ReferenceEsm(checkpoint, config);

        string[] sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "AC<mask>DEFGHIKLMNPQRSTVWY<mask>", "M", "XBZUOLLLLAAAAGGGG"];
        var output = model.Run(sequences);
        for (var b = 0; b < sequences.Length; b++)
        {
            var ids = model.Tokenizer.Encode(sequences[b]).Ids;
            var (states, mean) = reference.Forward(ids);
            Assertions.Close(output.PooledOf(b), mean.Select(v => (float)v).ToArray(), 1e-4, $"{sequences[b]} mean");
            for (var t = 0; t < ids.Length; t++)
            {
                Assertions.Close(output.Hidden(b, t), states[t].Select(v => (float)v).ToArray(), 1e-4, $"{sequences[b]} position {t}");
            }
        }
    }

    [Fact]
    public void External_data_holds_the_same_model()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 2, HiddenSize = 32, Heads = 4, IntermediateSize = 64 });
        using var inline = new Converted(scratch.Path);
        using var external = new Converted(scratch.Path, externalDataThreshold: 0);

        Assert.Null(inline.Manifest.OnnxExternalData);
        Assert.NotNull(external.Manifest.OnnxExternalData);
        Assert.True(File.Exists(Path.Combine(external.ModelDirectory, "model.onnx.data")));
        Assert.True(new FileInfo(Path.Combine(external.ModelDirectory, "model.onnx")).Length < 64 * 1024);

        string[] sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "MLLAV"];
        var a = inline.Run(sequences);
        var b = external.Run(sequences);
        Assert.Equal(a.Pooled, b.Pooled);
    }
}
