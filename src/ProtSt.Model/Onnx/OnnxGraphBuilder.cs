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

    public OnnxGraphBuilder(string graphName, WeightPrecision precision)
    {
        _graph = new GraphProto { Name = graphName };
        _precision = precision;
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

    /// <summary>Adds a learned weight, stored at the model's precision; returns a float32 value.</summary>
    public string Weight(string name, float[] values, params long[] dims)
    {
        if (_precision == WeightPrecision.Fp32)
        {
            return FloatConstant(name, values, dims);
        }

        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        var bytes = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        var stored = AddInitializer(name + ".fp16", TensorProto.Types.DataType.Float16, bytes, dims);

        // ONNX Runtime folds Cast-of-initializer at session creation, so the cast costs nothing per batch.
        return Node("Cast", [stored], name, Attributes.Int("to", (long)TensorProto.Types.DataType.Float));
    }

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
