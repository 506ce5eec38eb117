using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;

namespace ProtSt.Bench;

/// <summary>Untrained models at real shapes, written and converted into a scratch folder removed afterwards.</summary>
internal sealed class BenchModel : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "protst-bench-" + Guid.NewGuid().ToString("N"));

    public BenchModel(DemoModelSpec spec)
    {
        Spec = spec;
        if (spec.EsmC)
        {
            EsmCDemoCheckpoint.Write(Path.Combine(_scratch, "checkpoint"), spec, untrainedMarker: false);
        }
        else
        {
            DemoCheckpoint.Write(Path.Combine(_scratch, "checkpoint"), spec);
        }
    }

    public DemoModelSpec Spec { get; }

    public string Description => $"untrained {(Spec.EsmC ? "ESM C" : Spec.Esm1b ? "ESM-1b" : "ESM-2")} {Spec.Layers} layers x {Spec.HiddenSize} wide, {Spec.Heads} heads, {Spec.IntermediateSize} feed-forward";

    /// <summary>Converts the checkpoint with the given graph variant and precision; returns the model folder.</summary>
    public string Convert(GraphVariant variant = GraphVariant.Fused, WeightPrecision precision = WeightPrecision.Fp32, Int8Scheme int8Scheme = Int8Scheme.DynamicQuantizeMatMul)
    {
        var name = precision == WeightPrecision.Int8 ? $"{variant}-{precision}-{int8Scheme}" : $"{variant}-{precision}";
        var directory = Path.Combine(_scratch, name);
        if (!File.Exists(Path.Combine(directory, ModelManifest.FileName)))
        {
            ModelConverter.Convert(Path.Combine(_scratch, "checkpoint"), directory, new ConvertOptions { Variant = variant, Precision = precision, Int8Scheme = int8Scheme });
        }

        return directory;
    }

    /// <summary>
    /// An untrained ProtST at ESM-1b's width with <paramref name="proteinLayers"/> protein layers and one text layer,
    /// written and converted under <paramref name="scratch"/>; returns the model folder and its manifest.
    /// </summary>
    public static (string Directory, ModelManifest Manifest) ConvertProtSt(string scratch, int proteinLayers)
    {
        var checkpoint = Path.Combine(scratch, "checkpoint");
        ProtStDemoCheckpoint.Write(checkpoint, ProtStDemoSpec.Esm1bWidth(proteinLayers, textLayers: 1));
        var directory = Path.Combine(scratch, "model");
        return (directory, ModelConverter.Convert(checkpoint, directory));
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
