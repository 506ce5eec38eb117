using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace ProtSt.Model.Onnx;

/// <summary>Builds an ONNX graph node by node, naming intermediate values, and storing weights at the chosen precision.</summary>
internal sealed class OnnxGraphBuilder
{
    public const string MicrosoftDomain = "com.microsoft";
    public const int OnnxOpset = 17;

    private readonly GraphProto _graph;
    private readonly WeightPrecision _precision;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName, WeightPrecision precision, Int8Scheme int8Scheme = Int8Scheme.DynamicQuantizeMatMul)
    {
        _graph = new GraphProto { Name = graphName };
        _precision = precision;
        Int8Scheme = int8Scheme;
    }

    /// <summary>Bytes held in initializers so far; decides whether the model needs external data.</summary>
    public long InitializerBytes { get; private set; }

    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        Claim(name);
        return name;
    }

    public void Output(string value, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        // Graph outputs must be produced under their own name: alias through Identity when the value already has one.
        var output = value == name ? name : Node("Identity", [value], name);
        _graph.Output.Add(ValueInfo(output, type, dims));
    }

    public WeightPrecision Precision => _precision;

    /// <summary>How an int8 model's quantized MatMuls are emitted.</summary>
    public Int8Scheme Int8Scheme { get; }

    /// <summary>The element type the encoder's activations have: float16 for fp16 models, float32 otherwise.</summary>
    public TensorProto.Types.DataType ComputeType =>
        _precision == WeightPrecision.Fp16 ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Float;

    /// <summary>Adds a learned weight, stored at the model's precision; returns a value of <see cref="ComputeType"/>.</summary>
    public string Weight(string name, float[] values, params long[] dims) =>
        _precision == WeightPrecision.Fp16 ? HalfConstant(name, values, dims) : FloatConstant(name, values, dims);

    /// <summary>Adds a learned weight, stored at the model's precision; returns a float32 value (for parts computed in float32).</summary>
    public string FloatWeight(string name, float[] values, params long[] dims)
    {
        if (_precision != WeightPrecision.Fp16)
        {
            return FloatConstant(name, values, dims);
        }

        // ONNX Runtime folds Cast-of-initializer at session creation, so the cast costs nothing per batch.
        return Node("Cast", [HalfConstant(name + ".fp16", values, dims)], name, Attributes.Int("to", (long)TensorProto.Types.DataType.Float));
    }

    /// <summary>A constant scalar of <see cref="ComputeType"/>.</summary>
    public string ComputeScalar(string name, float value) =>
        _precision == WeightPrecision.Fp16 ? HalfConstant(name, [value]) : FloatScalar(name, value);

    /// <summary>Casts a float32 value to <see cref="ComputeType"/> (no node when they are the same).</summary>
    public string ToCompute(string value) =>
        _precision == WeightPrecision.Fp16 ? Node("Cast", [value], null, Attributes.Int("to", (long)TensorProto.Types.DataType.Float16)) : value;

    /// <summary>Casts a <see cref="ComputeType"/> value to float32 (no node when they are the same).</summary>
    public string ToFloat(string value) =>
        _precision == WeightPrecision.Fp16 ? Node("Cast", [value], null, Attributes.Int("to", (long)TensorProto.Types.DataType.Float)) : value;

    public string Int8Constant(string name, sbyte[] values, params long[] dims) =>
        AddInitializer(name, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    public string UInt8Constant(string name, byte[] values, params long[] dims) =>
        AddInitializer(name, TensorProto.Types.DataType.Uint8, values, dims);

    public string FloatConstant(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return AddInitializer(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    public string FloatScalar(string name, float value) => FloatConstant(name, [value]);

    public string Int64Constant(string name, params long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return AddInitializer(name, TensorProto.Types.DataType.Int64, bytes, values.Length);
    }

    public string Node(string opType, IReadOnlyList<string> inputs, string? output = null, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, [output ?? Fresh(opType)], null, attributes)[0];

    public string MicrosoftNode(string opType, IReadOnlyList<string> inputs, string? output = null, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, [output ?? Fresh(opType)], MicrosoftDomain, attributes)[0];

    /// <summary>Adds a node with several outputs; an empty output name skips an optional output.</summary>
    public IReadOnlyList<string> NodeWithOutputs(
        string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string? domain, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_counter++}" };
        if (domain is not null)
        {
            node.Domain = domain;
        }

        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            if (output.Length > 0)
            {
                Claim(output);
            }

            node.Output.Add(output);
        }

        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A name for an intermediate value that no other value has.</summary>
    public string Fresh(string hint)
    {
        string name;
        do
        {
            name = $"{hint}_{_counter++}";
        }
        while (_names.Contains(name));

        return name;
    }

    public ModelProto Build(string producerVersion, string docString)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "ProtSt.Model",
            ProducerVersion = producerVersion,
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxOpset });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        return model;
    }

    private string HalfConstant(string name, float[] values, params long[] dims)
    {
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        return AddInitializer(name, TensorProto.Types.DataType.Float16, MemoryMarshal.AsBytes(halves.AsSpan()).ToArray(), dims);
    }

    private string AddInitializer(string name, TensorProto.Types.DataType type, byte[] bytes, params long[] dims)
    {
        Claim(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        InitializerBytes += bytes.LongLength;
        return name;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"Graph value '{name}' is defined twice.");
        }
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Dimension {dim} must be a name or a size.", nameof(dims)),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
