using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using ProtSt.Model.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Bench;

/// <summary>
/// The machine's GEMM ceiling as ONNX Runtime reaches it: one [M, K] × [K, N] product as a float32 MatMul and as an
/// int8 DynamicQuantizeMatMul, timed in the benchmark's own process so its ratios and these peaks share a load.
/// </summary>
internal static class GemmProbe
{
    /// <summary>GFLOP/s (2·M·K·N per run) of the float32 and the int8 product, best of <paramref name="runs"/>.</summary>
    public static (double Fp32, double Int8) Measure(int m, int k, int n, int runs)
    {
        var random = new Random(7);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var flops = 2.0 * m * k * n;
        return (flops / Best(FloatModel(b, k, n), a, m, k, runs) / 1e9, flops / Best(Int8Model(b, k, n), a, m, k, runs) / 1e9);
    }

    private static double Best(ModelProto model, float[] a, int m, int k, int runs)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var input = OrtValue.CreateTensorValueFromMemory(a, [m, k]);
        using var runOptions = new RunOptions();
        var best = double.MaxValue;
        for (var r = 0; r <= runs; r++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var outputs = session.Run(runOptions, ["a"], [input], ["y"]);
            if (r > 0)
            {
                best = Math.Min(best, stopwatch.Elapsed.TotalSeconds);
            }
        }

        return best;
    }

    private static ModelProto FloatModel(float[] b, int k, int n)
    {
        var graph = Graph(k, n);
        graph.Initializer.Add(Tensor("b", DataType.Float, FloatBytes(b), k, n));
        graph.Node.Add(Node("MatMul", string.Empty, "a", "b"));
        return Model(graph);
    }

    private static ModelProto Int8Model(float[] b, int k, int n)
    {
        var (quantized, scales) = Int8Weights.Quantize(b, k, n);
        var graph = Graph(k, n);
        graph.Initializer.Add(Tensor("b", DataType.Int8, ByteString.CopyFrom((byte[])(Array)quantized), k, n));
        graph.Initializer.Add(Tensor("b_scale", DataType.Float, FloatBytes(scales), n));
        graph.Node.Add(Node("DynamicQuantizeMatMul", "com.microsoft", "a", "b", "b_scale"));
        return Model(graph);
    }

    private static GraphProto Graph(int k, int n)
    {
        var graph = new GraphProto { Name = "gemm" };
        graph.Input.Add(Value("a", "m", k));
        graph.Output.Add(Value("y", "m", n));
        return graph;
    }

    private static NodeProto Node(string op, string domain, params string[] inputs)
    {
        var node = new NodeProto { OpType = op, Domain = domain, Name = op };
        node.Input.AddRange(inputs);
        node.Output.Add("y");
        return node;
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return model;
    }

    private static TensorProto Tensor(string name, DataType type, ByteString bytes, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = bytes };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ByteString FloatBytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return ByteString.CopyFrom(bytes);
    }

    private static ValueInfoProto Value(string name, string rows, long columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = rows });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } } };
    }
}
