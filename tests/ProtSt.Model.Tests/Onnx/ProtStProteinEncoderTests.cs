using System.Text.Json;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>ProtST checkpoints (bf16 pytorch_model.bin, float32 safetensors) convert to their ESM-1b protein encoder.</summary>
public sealed class ProtStProteinEncoderTests
{
    [Theory]
    [InlineData("protst-tiny", GraphVariant.Fused)]
    [InlineData("protst-tiny", GraphVariant.Plain)]
    [InlineData("protst-cls-tiny", GraphVariant.Fused)]
    public void Protein_encoder_matches_the_reference(string goldenName, GraphVariant variant)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", goldenName);
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "cases.json")));
        var sequences = cases.RootElement.GetProperty("proteins").EnumerateArray().Select(p => p.GetProperty("sequence").GetString()!).ToArray();
        var expected = Model.Checkpoints.SafetensorsReader.Read(Path.Combine(directory, "expected.safetensors"));

        using var model = new Converted(directory, variant);
        Assert.Equal("esm1b", model.Manifest.Architecture);
        var output = model.Run(sequences);

        // The published policy keeps the first 1022 residues of longer proteins; the golden batch is padded to 1024.
        Assert.Equal(1024, output.SequenceLength);
        Assert.Contains(sequences, s => model.Tokenizer.Encode(s).Truncated);

        var ids = expected.Get("protein_input_ids").ReadBytes();
        var hidden = expected.Get("protein_last_hidden_state").ReadFloat32();
        var width = model.Manifest.HiddenSize;
        for (var b = 0; b < sequences.Length; b++)
        {
            for (var t = 0; t < output.SequenceLength; t++)
            {
                if (BitConverter.ToInt64(ids, ((b * output.SequenceLength) + t) * 8) != model.Tokenizer.PadId)
                {
                    Assertions.Close(output.Hidden(b, t), hidden.AsSpan(((b * output.SequenceLength) + t) * width, width), 1e-4, $"protein {b} position {t}");
                }
            }
        }

        // ProtST divides by (count + 1e-6): a relative change of 1e-6 at most, far inside the tolerance.
        Assertions.Close(output.Pooled, expected.Get("protein_mean").ReadFloat32(), 1e-4, "protein_mean");
    }
}
