using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Support;

/// <summary>A checkpoint converted into a scratch model folder with an open session.</summary>
public sealed class Converted : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <param name="checkpointDirectory">The Hugging Face checkpoint folder.</param>
    /// <param name="variant">The encoder graph's variant.</param>
    /// <param name="precision">The weights' precision.</param>
    /// <param name="externalDataThreshold">Weight bytes above which tensors go to external data.</param>
    /// <param name="extract">Also write the extraction graph; off unless a test asks, since most tests never open it and it doubles the weights written.</param>
    public Converted(string checkpointDirectory, GraphVariant variant = GraphVariant.Fused, WeightPrecision precision = WeightPrecision.Fp32, long? externalDataThreshold = null, bool extract = false)
    {
        ModelDirectory = _directory.Combine("model");
        Manifest = ModelConverter.Convert(checkpointDirectory, ModelDirectory, new ConvertOptions
        {
            Variant = variant,
            Precision = precision,
            ExternalDataThreshold = externalDataThreshold ?? OnnxModelWriter.DefaultExternalDataThreshold,
            Extract = extract,
        });
        Session = EncoderSession.Open(ModelDirectory, new InferenceOptions { IntraOpThreads = 1 });
        Tokenizer = Session.Folder.CreateTokenizer();
    }

    public string ModelDirectory { get; }

    public ModelManifest Manifest { get; }

    public EncoderSession Session { get; }

    public EsmTokenizer Tokenizer { get; }

    public BatchOutputs Run(IEnumerable<string> sequences, bool hidden = true) =>
        Session.Run(EncodedBatch.Create(sequences.Select(Tokenizer.Encode).ToList(), Tokenizer.PadId), hidden ? OutputRequest.Default.And(OutputKind.Residues) : OutputRequest.Default);

    public void Dispose()
    {
        Session.Dispose();
        _directory.Dispose();
    }
}
