using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>The converted graphs reproduce PyTorch ESM's outputs on every golden case (tolerance 1e-4, the goldens' own).</summary>
public sealed class GoldenParityTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, GraphVariant> Cases()
    {
        var data = new TheoryData<string, GraphVariant>();
        foreach (var golden in Golden.EsmNames)
        {
            data.Add(golden, GraphVariant.Plain);
            data.Add(golden, GraphVariant.Fused);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_hidden_states_and_mean_embeddings(string goldenName, GraphVariant variant)
    {
        var golden = Golden.Load(goldenName);
        using var model = new Converted(golden.Directory, variant);
        var output = model.Run(golden.Cases.Select(c => c.Sequence));

        var expectedIds = golden.Int64Tensor("input_ids");
        var shape = golden.Shape("last_hidden_state");
        var (batch, length, width) = ((int)shape[0], (int)shape[1], (int)shape[2]);
        Assert.Equal(batch, output.BatchSize);
        Assert.Equal(length, output.SequenceLength);
        Assert.Equal(expectedIds, EncodedIds(model, golden));

        var expectedHidden = golden.Tensor("last_hidden_state");
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < length; t++)
            {
                if (expectedIds[(b * length) + t] == model.Tokenizer.PadId)
                {
                    continue;
                }

                Assertions.Close(output.Hidden(b, t), expectedHidden.AsSpan(((b * length) + t) * width, width), Tolerance, $"{golden.Cases[b].Id} position {t}");
            }
        }

        Assertions.Close(output.Pooled, golden.Tensor("mean_residue_embedding"), Tolerance, "mean_residue_embedding");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fp16_weights_stay_close_to_the_reference(string goldenName, GraphVariant variant)
    {
        // Rounding every weight and activation to 11 significant bits perturbs outputs by ~4e-3 of their unit scale
        // (measured: PrecisionFidelityTests); 2e-2 bounds it with margin.
        var golden = Golden.Load(goldenName);
        using var model = new Converted(golden.Directory, variant, WeightPrecision.Fp16);
        var output = model.Run(golden.Cases.Select(c => c.Sequence), hidden: false);
        Assertions.Close(output.Pooled, golden.Tensor("mean_residue_embedding"), 2e-2, "fp16 mean_residue_embedding");

        // Halving each weight saves half the checkpoint's bytes; fixed fp32 tables (rotary, constants) do not shrink.
        using var full = new Converted(golden.Directory, variant);
        var saved = OnnxBytes(full) - OnnxBytes(model);
        var weightBytes = new FileInfo(WeightsFile(golden)).Length;
        Assert.True(saved >= 0.45 * weightBytes, $"fp16 saved {saved} bytes of {weightBytes} weight bytes");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_sequence_alone_equals_its_row_in_the_padded_batch(string goldenName, GraphVariant variant)
    {
        var golden = Golden.Load(goldenName);
        using var model = new Converted(golden.Directory, variant);
        var batch = model.Run(golden.Cases.Select(c => c.Sequence));
        for (var b = 0; b < golden.Cases.Count; b++)
        {
            var alone = model.Run([golden.Cases[b].Sequence]);
            Assertions.Close(alone.PooledOf(0), batch.PooledOf(b), Tolerance, $"{golden.Cases[b].Id} mean");
            for (var t = 0; t < alone.SequenceLength; t++)
            {
                Assertions.Close(alone.Hidden(0, t), batch.Hidden(b, t), Tolerance, $"{golden.Cases[b].Id} position {t}");
            }
        }
    }

    [Fact]
    public void Reference_implementation_matches_the_goldens()
    {
        // The C# reference used for arbitrary shapes must itself agree with PyTorch, or its verdicts mean nothing.
        foreach (var name in new[] { "esm2-tiny", "esm1b-tiny" })
        {
            var golden = Golden.Load(name);
            var (config, checkpoint) = Checkpoints(golden.Directory);
            var reference = new ReferenceEsm(checkpoint, config);
            var tokenizer = new EsmTokenizer(config.VocabList!, config.MaxResidues);
            var expected = golden.Tensor("mean_residue_embedding");
            for (var b = 0; b < golden.Cases.Count; b++)
            {
                var (_, mean) = reference.Forward(tokenizer.Encode(golden.Cases[b].Sequence).Ids);
                Assertions.Close(mean.Select(v => (float)v).ToArray(), expected.AsSpan(b * config.HiddenSize, config.HiddenSize), 1e-4, $"{name} {golden.Cases[b].Id}");
            }
        }
    }

    internal static (EsmConfig Config, Checkpoint Checkpoint) Checkpoints(string directory)
    {
        var folder = HfModelFolder.Open(directory);
        return (EsmConfig.Parse(folder.Config.RootElement, folder.ConfigPath), folder.ReadCheckpoint());
    }

    private static string WeightsFile(Golden golden) => HfModelFolder.Open(golden.Directory).WeightsPath;

    private static long OnnxBytes(Converted model) => new FileInfo(Path.Combine(model.ModelDirectory, "model.onnx")).Length;

    private static long[] EncodedIds(Converted model, Golden golden)
    {
        var sequences = golden.Cases.Select(c => model.Tokenizer.Encode(c.Sequence)).ToList();
        return EncodedBatch.Create(sequences, model.Tokenizer.PadId).InputIds;
    }
}
