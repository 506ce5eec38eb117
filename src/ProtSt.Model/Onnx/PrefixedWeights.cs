using System.Globalization;
using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Onnx;

/// <summary>
/// The tensors of one module of a checkpoint (all names under one prefix), checked against the shapes the module
/// needs before any graph is built, so a wrong checkpoint fails with every problem named at once.
/// </summary>
internal abstract class PrefixedWeights
{
    private readonly Checkpoint _checkpoint;

    protected PrefixedWeights(Checkpoint checkpoint, string prefix)
    {
        _checkpoint = checkpoint;
        Prefix = prefix;
    }

    /// <summary>What precedes the module's own tensor names, e.g. <c>esm.</c> or <c>text_model.bert.</c>.</summary>
    public string Prefix { get; }

    /// <summary>When set, reading a value outside float16's range (|w| &gt; 65504) is an error naming the tensor.</summary>
    public bool RequireHalfRange { get; set; }

    public float[] Matrix(string name, long rows, long columns) => Read(name, rows, columns);

    public float[] Vector(string name, long length) => Read(name, length);

    public bool Has(string name) => _checkpoint.Tensors.ContainsKey(Prefix + name);

    /// <summary>
    /// The one prefix under which the checkpoint has <paramref name="marker"/> (and every name in
    /// <paramref name="alsoRequired"/>), e.g. <c>protein_model.esm.</c>; <paramref name="module"/> names it in errors.
    /// </summary>
    public static string DetectPrefix(Checkpoint checkpoint, string marker, string module, params string[] alsoRequired)
    {
        var prefixes = checkpoint.Tensors.Keys
            .Where(k => k.EndsWith(marker, StringComparison.Ordinal))
            .Select(k => k[..^marker.Length])
            .Where(p => alsoRequired.All(r => checkpoint.Tensors.ContainsKey(p + r)))
            .ToList();
        return prefixes.Count switch
        {
            1 => prefixes[0],
            0 => throw new CheckpointFormatException(
                $"The checkpoint holds no {module}: no '<prefix>{marker}'{string.Concat(alsoRequired.Select(r => $" next to '<prefix>{r}'"))}."),
            _ => throw new CheckpointFormatException(
                $"The checkpoint holds several {module}s ({string.Join(", ", prefixes.Select(p => $"'{p}'"))}); name the one to convert."),
        };
    }

    /// <summary>The tensors the module needs, by name under the prefix, with their shapes.</summary>
    protected abstract IEnumerable<(string Name, long[] Shape)> Expected();

    /// <summary>What the module is, for error messages (e.g. its dimensions).</summary>
    protected abstract string Describe();

    protected void Validate()
    {
        var missing = new List<string>();
        var wrong = new List<string>();
        foreach (var (name, shape) in Expected())
        {
            if (!_checkpoint.Tensors.TryGetValue(Prefix + name, out var tensor))
            {
                missing.Add(Prefix + name);
            }
            else if (!tensor.Shape.SequenceEqual(shape))
            {
                wrong.Add($"{Prefix + name} is {tensor.ShapeText}, expected [{string.Join(", ", shape)}]");
            }
            else if (!tensor.DType.IsFloatingPoint())
            {
                wrong.Add($"{Prefix + name} is {tensor.DType}, expected a floating-point tensor");
            }
        }

        if (missing.Count > 0 || wrong.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0)
            {
                parts.Add($"missing {missing.Count} tensor(s): {string.Join(", ", missing.Take(12))}{(missing.Count > 12 ? ", ..." : string.Empty)}");
            }

            if (wrong.Count > 0)
            {
                parts.Add($"shape mismatch: {string.Join("; ", wrong.Take(12))}");
            }

            throw new CheckpointFormatException($"The checkpoint does not match {Describe()}: {string.Join("; ", parts)}.");
        }
    }

    public long Rows(string name) => _checkpoint.Get(Prefix + name).Shape[0];

    private float[] Read(string name, params long[] shape)
    {
        var tensor = _checkpoint.Get(Prefix + name);
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new CheckpointFormatException($"Tensor '{Prefix + name}' is {tensor.ShapeText}, expected [{string.Join(", ", shape)}].");
        }

        // bf16 and fp32 values widen to float32 exactly, so this sees the checkpoint's own values.
        var values = tensor.ReadFloat32();
        if (RequireHalfRange)
        {
            var index = Array.FindIndex(values, v => !(Math.Abs(v) <= (float)Half.MaxValue));
            if (index >= 0)
            {
                throw new CheckpointFormatException(
                    $"Tensor '{Prefix + name}' holds {values[index].ToString("G", CultureInfo.InvariantCulture)} (element {index}), outside float16's range (±65504); convert this checkpoint with --dtype fp32 or int8.");
            }
        }

        return values;
    }
}
