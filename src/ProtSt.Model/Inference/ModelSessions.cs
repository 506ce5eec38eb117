using ProtSt.Model.Folders;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Inference;

/// <summary>
/// Every session a model folder needs on one device: the protein encoder, its head (ProtST projection or classifier)
/// when it has one, and the text tower of a zero-shot folder, opened on first use since most batches never need it.
/// </summary>
public sealed class ModelSessions : IDisposable
{
    private readonly Lazy<TextEncoderSession>? _text;

    private ModelSessions(EncoderSession encoder, HeadSession? head, InferenceOptions options)
    {
        Encoder = encoder;
        Head = head;
        _text = encoder.Folder.Manifest.Text is null
            ? null
            : new Lazy<TextEncoderSession>(() => TextEncoderSession.Open(encoder.Folder, options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ModelFolder Folder => Encoder.Folder;

    public EncoderSession Encoder { get; }

    public HeadSession? Head { get; }

    public static ModelSessions Open(string modelDirectory, InferenceOptions options)
    {
        var encoder = EncoderSession.Open(modelDirectory, options);
        try
        {
            var head = encoder.Folder.Manifest.Head is null ? null : HeadSession.Open(encoder.Folder, options);
            return new ModelSessions(encoder, head, options);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The text tower; fails with a clear message for folders that have none.</summary>
    public TextEncoderSession Text => _text?.Value
        ?? throw new ModelFolderException($"'{Folder.Directory}' is a {Folder.Manifest.Kind} model and has no text tower; zero-shot labels and text search need a ProtST zero-shot model.");

    /// <summary>
    /// Runs the encoder and, when the request asks for it and the folder has one, the head on the batch's mean
    /// embeddings (default: both, as every batch did before requests existed).
    /// </summary>
    public BatchOutputs Run(EncodedBatch batch, OutputRequest? request = null)
    {
        request ??= OutputRequest.Default;
        var output = Encoder.Run(batch, request);
        return Head is null || !request.Wants(OutputKind.Head)
            ? output
            : output with { Head = Head.Run(output.Pooled, batch.BatchSize), HeadWidth = Head.OutputWidth };
    }

    public void Dispose()
    {
        Encoder.Dispose();
        Head?.Dispose();
        if (_text is { IsValueCreated: true })
        {
            _text.Value.Dispose();
        }
    }
}
