using Microsoft.ML.OnnxRuntime;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Inference;

/// <summary>
/// One ONNX Runtime session of an encoder model. On CPU, inputs and outputs are bound straight to managed arrays (no
/// copies); on CUDA, a batch that needs only the mean embedding goes through IO binding with pinned host buffers reused
/// across batches (<see cref="StagedBinding"/>), so residue states are fetched only when requested.
/// <see cref="Run(EncodedBatch, float[], float[])"/> may be called from several threads at once.
/// </summary>
public sealed class EncoderSession : IDisposable
{
    private static readonly string[] MeanOnly = [GraphContract.MeanResidueEmbedding];
    private static readonly string[] MeanAndHidden = [GraphContract.MeanResidueEmbedding, GraphContract.LastHiddenState];
    private static readonly string[] InputNames = [GraphContract.InputIds, GraphContract.AttentionMask];

    private readonly InferenceSession _session;
    private readonly StagedBinding? _staged;
    private readonly Lazy<ExtractionSession> _extraction;
    private readonly Lazy<ExtractionSession> _contacts;

    private EncoderSession(ModelFolder folder, InferenceSession session, InferenceOptions options, StagedBinding? staged)
    {
        Folder = folder;
        _session = session;
        Options = options;
        _staged = staged;

        // Each opened on the first request that needs it: a mean-only screen never loads another copy of the weights,
        // and a layer request never loads the contacts graph. A folder converted before the contacts graph existed
        // gives contacts from its layers graph, which then serves both.
        _extraction = new Lazy<ExtractionSession>(() => ExtractionSession.Open(folder, options), LazyThreadSafetyMode.ExecutionAndPublication);
        _contacts = folder.ContactsPath is { } contacts && contacts == folder.ExtractPath
            ? _extraction
            : new Lazy<ExtractionSession>(() => ExtractionSession.Open(folder, options, contacts: true), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ModelFolder Folder { get; }

    public ModelManifest Manifest => Folder.Manifest;

    public InferenceOptions Options { get; }

    public int HiddenSize => Manifest.HiddenSize;

    /// <summary>The extraction graphs this session has opened so far (what requests beyond the last layer have run).</summary>
    public IReadOnlyList<string> OpenedExtractionGraphs =>
        [.. new[] { _extraction, _contacts }.Distinct().Where(l => l.IsValueCreated).Select(l => l.Value.GraphPath)];

    public static EncoderSession Open(string modelDirectory, InferenceOptions? options = null)
    {
        options ??= new InferenceOptions();
        return Open(ModelFolder.Open(modelDirectory, options.VerifyModelHash), options);
    }

    public static EncoderSession Open(ModelFolder folder, InferenceOptions options) => Open(folder, options, stageOnCpu: false);

    /// <param name="folder">The model folder.</param>
    /// <param name="options">The session options.</param>
    /// <param name="stageOnCpu">Use the staged IO-binding path on CPU too (tests check it against the direct one).</param>
    internal static EncoderSession Open(ModelFolder folder, InferenceOptions options, bool stageOnCpu)
    {
        var session = SessionOptionsFactory.Load(folder.OnnxPath, options);
        try
        {
            CheckSignature(session, folder);
            var staged = options.ExecutionProvider == ExecutionProvider.Cuda ? StagedBinding.ForCuda(session, options.DeviceId)
                : stageOnCpu ? StagedBinding.ForCpu(session)
                : null;
            return new EncoderSession(folder, session, options, staged);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one batch into fresh arrays, producing what <paramref name="request"/> asks for (default: the pooled
    /// embedding only; the head is <see cref="ModelSessions"/>' part). The encoder graph serves the last layer; other
    /// layers and <c>&lt;cls&gt;</c> states come from the folder's layers graph, and any request with contacts from its
    /// contacts graph, layers included (one pass of one graph, never two).
    /// </summary>
    public BatchOutputs Run(EncodedBatch batch, OutputRequest? request = null)
    {
        request ??= OutputRequest.Default;
        if (ModelFolder.NeedsExtraction(request, Manifest.NumLayers))
        {
            Folder.CheckOutputs(request);
            return (request.Wants(OutputKind.Contacts) ? _contacts : _extraction).Value.Run(batch, request);
        }

        var layers = request.Wants(OutputKind.Layers);
        var mean = new float[batch.BatchSize * HiddenSize];
        var hidden = request.Wants(OutputKind.Residues) ? new float[batch.PaddedTokens * HiddenSize] : null;
        var output = Run(batch, mean, hidden);

        // The only layer asked for is the last, which is what the encoder graph gives: [B, 1, D] is [B, D].
        return layers ? output with { LayerNumbers = [Manifest.NumLayers], LayerPooled = mean, LayerResidues = hidden } : output;
    }

    /// <summary>
    /// Runs one batch into caller-owned arrays, which may be reused across batches (they must be at least as large as
    /// the batch needs); residue states are fetched only when <paramref name="hiddenDestination"/> is given.
    /// </summary>
    public BatchOutputs Run(EncodedBatch batch, float[] meanDestination, float[]? hiddenDestination)
    {
        var meanLength = batch.BatchSize * HiddenSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(meanDestination.Length, meanLength, nameof(meanDestination));
        if (hiddenDestination is not null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(hiddenDestination.LongLength, batch.PaddedTokens * HiddenSize, nameof(hiddenDestination));
        }

        var output = new BatchOutputs(batch.BatchSize, batch.SequenceLength, HiddenSize, meanDestination) { Residues = hiddenDestination };
        if (hiddenDestination is null && _staged is not null)
        {
            _staged.Run(batch, HiddenSize, meanDestination.AsSpan(0, meanLength));
            return output;
        }

        long[] inputShape = [batch.BatchSize, batch.SequenceLength];
        var memory = OrtMemoryInfo.DefaultInstance;
        using var ids = OrtValue.CreateTensorValueFromMemory(memory, batch.InputIds.AsMemory(), inputShape);
        using var mask = OrtValue.CreateTensorValueFromMemory(memory, batch.AttentionMask.AsMemory(), inputShape);
        using var meanValue = OrtValue.CreateTensorValueFromMemory(memory, meanDestination.AsMemory(0, meanLength), [batch.BatchSize, HiddenSize]);
        using var hiddenValue = hiddenDestination is null
            ? null
            : OrtValue.CreateTensorValueFromMemory(
                memory, hiddenDestination.AsMemory(0, (int)(batch.PaddedTokens * HiddenSize)), [batch.BatchSize, batch.SequenceLength, HiddenSize]);

        using var runOptions = new RunOptions();
        OrtValue[] outputs = hiddenValue is null ? [meanValue] : [meanValue, hiddenValue];
        _session.Run(runOptions, InputNames, [ids, mask], hiddenValue is null ? MeanOnly : MeanAndHidden, outputs);
        return output;
    }

    public void Dispose()
    {
        foreach (var opened in new[] { _extraction, _contacts }.Distinct().Where(l => l.IsValueCreated))
        {
            opened.Value.Dispose();
        }

        _staged?.Dispose();
        _session.Dispose();
    }

    private static void CheckSignature(InferenceSession session, ModelFolder folder)
    {
        foreach (var input in InputNames)
        {
            if (!session.InputMetadata.ContainsKey(input))
            {
                throw new ModelFolderException($"{folder.OnnxPath} has no input '{input}'; it is not an encoder built by this converter.");
            }
        }

        if (!session.OutputMetadata.TryGetValue(GraphContract.MeanResidueEmbedding, out var mean)
            || !session.OutputMetadata.ContainsKey(GraphContract.LastHiddenState))
        {
            throw new ModelFolderException($"{folder.OnnxPath} lacks the outputs {GraphContract.MeanResidueEmbedding} and {GraphContract.LastHiddenState}.");
        }

        var width = mean.Dimensions[^1];
        if (width != folder.Manifest.HiddenSize)
        {
            throw new ModelFolderException(
                $"{folder.OnnxPath} produces {width}-wide embeddings but the manifest says hidden_size {folder.Manifest.HiddenSize}.");
        }
    }
}
