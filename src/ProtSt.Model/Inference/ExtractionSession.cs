using Microsoft.ML.OnnxRuntime;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Inference;

/// <summary>
/// The ONNX Runtime session of one of a folder's extraction graphs: the layers graph (every layer's states, their means
/// and <c>&lt;cls&gt;</c> states) or the contacts graph (the same, and contacts). Only the outputs a request names are bound, so only those leave the device; means and
/// <c>&lt;cls&gt;</c> states are reduced inside the graph, so asking for them moves [B, L+1, D] instead of every layer's
/// [B, T, D]. May be called from several threads at once.
/// </summary>
public sealed class ExtractionSession : IDisposable
{
    private static readonly string[] InputNames = [GraphContract.InputIds, GraphContract.AttentionMask];

    private readonly InferenceSession _session;
    private readonly int _layerCount;
    private readonly int _width;

    private ExtractionSession(string path, InferenceSession session, int layerCount, int width, bool hasContacts)
    {
        GraphPath = path;
        _session = session;
        _layerCount = layerCount;
        _width = width;
        HasContacts = hasContacts;
    }

    /// <summary>True when the graph computes contacts (the checkpoint had a contact head).</summary>
    public bool HasContacts { get; }

    /// <summary>The graph file this session runs.</summary>
    public string GraphPath { get; }

    /// <summary>
    /// Opens the folder's contacts graph when <paramref name="contacts"/> is set, its layers graph otherwise; fails with
    /// one line when the folder was converted without it (<see cref="ModelFolder.CheckOutputs"/>).
    /// </summary>
    public static ExtractionSession Open(ModelFolder folder, InferenceOptions options, bool contacts = false)
    {
        folder.CheckOutputs(new OutputRequest { Kinds = contacts ? OutputKind.Contacts : OutputKind.Bos });
        var path = (contacts ? folder.ContactsPath : folder.ExtractPath)!;
        var session = SessionOptionsFactory.Load(path, options);
        var hasContacts = session.OutputMetadata.ContainsKey(GraphContract.Contacts);
        var layerCount = folder.Manifest.NumLayers;
        foreach (var name in new[] { GraphContract.LayerMeans, GraphContract.LayerBos, GraphContract.HiddenState(0), GraphContract.HiddenState(layerCount) })
        {
            if (!session.OutputMetadata.ContainsKey(name))
            {
                session.Dispose();
                throw new ModelFolderException($"{path} has no output '{name}'; it is not an extraction graph of this model ({layerCount} layers).");
            }
        }

        if (contacts && !hasContacts)
        {
            session.Dispose();
            throw new ModelFolderException($"{path} has no output '{GraphContract.Contacts}', but the manifest says it gives contacts; convert the model again.");
        }

        return new ExtractionSession(path, session, layerCount, folder.Manifest.HiddenSize, hasContacts);
    }

    /// <summary>Runs one batch, producing what <paramref name="request"/> asks for (see <see cref="OutputKind"/>).</summary>
    public BatchOutputs Run(EncodedBatch batch, OutputRequest request)
    {
        if (request.Wants(OutputKind.Contacts) && !HasContacts)
        {
            throw new UnsupportedOutputException("This model cannot give contacts: its checkpoint has no contact head (contact_head.regression), which ESM's contact maps are computed with.");
        }

        var (b, t, d, last) = (batch.BatchSize, batch.SequenceLength, _width, _layerCount);
        var layers = request.Wants(OutputKind.Layers) || request.Wants(OutputKind.Bos) ? request.ResolveLayers(last).ToArray() : null;
        var perLayerStates = request.Wants(OutputKind.Layers) && request.Wants(OutputKind.Residues);

        // Every state array is one layer's [B, T, D]; the last layer's doubles as Residues.
        var states = new Dictionary<int, float[]>();
        if (perLayerStates)
        {
            foreach (var layer in layers!)
            {
                states[layer] = new float[batch.PaddedTokens * d];
            }
        }

        if (request.Wants(OutputKind.Residues) && !states.ContainsKey(last))
        {
            states[last] = new float[batch.PaddedTokens * d];
        }

        var means = new float[b * (last + 1) * d];
        var bos = request.Wants(OutputKind.Bos) ? new float[b * (last + 1) * d] : null;
        var contacts = request.Wants(OutputKind.Contacts) ? new float[b * t * t] : null;

        var memory = OrtMemoryInfo.DefaultInstance;
        var values = new List<OrtValue>();
        var names = new List<string>();
        try
        {
            long[] inputShape = [b, t];
            values.Add(OrtValue.CreateTensorValueFromMemory(memory, batch.InputIds.AsMemory(), inputShape));
            values.Add(OrtValue.CreateTensorValueFromMemory(memory, batch.AttentionMask.AsMemory(), inputShape));
            var inputs = values.ToArray();
            var outputs = new List<OrtValue>();
            void Bind(string name, float[] destination, long[] shape)
            {
                var value = OrtValue.CreateTensorValueFromMemory(memory, destination.AsMemory(), shape);
                values.Add(value);
                outputs.Add(value);
                names.Add(name);
            }

            Bind(GraphContract.LayerMeans, means, [b, last + 1, d]);
            if (bos is not null)
            {
                Bind(GraphContract.LayerBos, bos, [b, last + 1, d]);
            }

            foreach (var (layer, destination) in states)
            {
                Bind(GraphContract.HiddenState(layer), destination, [b, t, d]);
            }

            if (contacts is not null)
            {
                Bind(GraphContract.Contacts, contacts, [b, t, t]);
            }

            using var runOptions = new RunOptions();
            _session.Run(runOptions, InputNames, inputs, names, outputs);
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }

        var pooled = PickLayers(means, b, last + 1, d, [last]);
        return new BatchOutputs(b, t, d, pooled)
        {
            Residues = request.Wants(OutputKind.Residues) ? states[last] : null,
            LayerNumbers = layers,
            LayerPooled = request.Wants(OutputKind.Layers) ? PickLayers(means, b, last + 1, d, layers!) : null,
            LayerBos = bos is null ? null : PickLayers(bos, b, last + 1, d, layers!),
            LayerResidues = perLayerStates ? Interleave(states, layers!, b, t * d) : null,
            Contacts = contacts,
        };
    }

    public void Dispose() => _session.Dispose();

    /// <summary>[B, layers, width] from [B, all, width], taking the layers in <paramref name="layers"/>' order.</summary>
    private static float[] PickLayers(float[] all, int batch, int count, int width, int[] layers)
    {
        var picked = new float[batch * layers.Length * width];
        for (var row = 0; row < batch; row++)
        {
            for (var j = 0; j < layers.Length; j++)
            {
                all.AsSpan(((row * count) + layers[j]) * width, width).CopyTo(picked.AsSpan(((row * layers.Length) + j) * width, width));
            }
        }

        return picked;
    }

    /// <summary>[B, layers, T·D] from one [B, T·D] array per layer.</summary>
    private static float[] Interleave(Dictionary<int, float[]> states, int[] layers, int batch, int rowWidth)
    {
        var result = new float[(long)batch * layers.Length * rowWidth];
        for (var row = 0; row < batch; row++)
        {
            for (var j = 0; j < layers.Length; j++)
            {
                states[layers[j]].AsSpan(row * rowWidth, rowWidth).CopyTo(result.AsSpan(((row * layers.Length) + j) * rowWidth, rowWidth));
            }
        }

        return result;
    }
}
