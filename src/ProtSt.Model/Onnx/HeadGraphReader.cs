using System.Runtime.InteropServices;
using Onnx;
using ProtSt.Model.Checkpoints;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// Reads a head graph written by <see cref="HeadGraphBuilder"/> back into Hugging Face tensors (<c>{prefix}dense.weight</c>
/// [out, in] and so on), so a converted classifier's head can be trained further without its original checkpoint.
/// </summary>
public static class HeadGraphReader
{
    private const string HalfSuffix = ".fp16";
    private const string TransposedSuffix = "_t";

    /// <summary>The four head tensors under <paramref name="prefix"/>, as float32 (float16 weights widened exactly).</summary>
    public static Checkpoint Read(string headOnnxPath, string prefix)
    {
        ModelProto model;
        using (var stream = File.OpenRead(headOnnxPath))
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }

        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var layer in new[] { "dense", "out_proj" })
        {
            // Linear weights are stored transposed for MatMul ([in, out]); the checkpoint layout is [out, in].
            var (weight, weightShape) = Values(initializers, prefix + layer + ".weight" + TransposedSuffix, headOnnxPath);
            if (weightShape.Length != 2)
            {
                throw new CheckpointFormatException($"{headOnnxPath}: '{prefix}{layer}.weight' is stored with {weightShape.Length} dimensions, expected 2.");
            }

            var (rows, columns) = (weightShape[1], weightShape[0]);
            var untransposed = new float[weight.Length];
            for (var o = 0; o < rows; o++)
            {
                for (var i = 0; i < columns; i++)
                {
                    untransposed[(o * columns) + i] = weight[(i * rows) + o];
                }
            }

            Add(tensors, prefix + layer + ".weight", untransposed, [rows, columns]);
            var (bias, biasShape) = Values(initializers, prefix + layer + ".bias", headOnnxPath);
            Add(tensors, prefix + layer + ".bias", bias, biasShape);
        }

        return new Checkpoint(tensors, [Path.GetFullPath(headOnnxPath)]);
    }

    private static (float[] Values, long[] Shape) Values(Dictionary<string, TensorProto> initializers, string name, string path)
    {
        if (initializers.TryGetValue(name, out var single) && single.DataType == (int)DataType.Float)
        {
            var bytes = single.RawData.Span;
            var values = new float[bytes.Length / sizeof(float)];
            Buffer.BlockCopy(bytes.ToArray(), 0, values, 0, bytes.Length);
            return (values, single.Dims.ToArray());
        }

        if (initializers.TryGetValue(name + HalfSuffix, out var half) && half.DataType == (int)DataType.Float16)
        {
            var halves = MemoryMarshal.Cast<byte, Half>(half.RawData.Span);
            var values = new float[halves.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)halves[i];
            }

            return (values, half.Dims.ToArray());
        }

        throw new CheckpointFormatException(
            $"{path}: no float32 or float16 initializer '{name}'; it is not a head graph this converter wrote, or its weights are stored in a form that cannot be trained further.");
    }

    private static void Add(Dictionary<string, CheckpointTensor> tensors, string name, float[] values, long[] shape)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        tensors[name] = new CheckpointTensor(name, TensorDType.Float32, shape, () => bytes);
    }
}
