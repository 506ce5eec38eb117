using Microsoft.ML.OnnxRuntime;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Inference;

/// <summary>The text tower of a ProtST zero-shot folder: prompts in, features in the shared protein–text space out.</summary>
public sealed class TextEncoderSession : IDisposable
{
    private static readonly string[] InputNames = [GraphContract.InputIds, GraphContract.AttentionMask];

    private readonly InferenceSession _session;
    private readonly ManifestText _text;

    private TextEncoderSession(InferenceSession session, ManifestText text, PromptTokenizer tokenizer)
    {
        _session = session;
        _text = text;
        Tokenizer = tokenizer;
    }

    public PromptTokenizer Tokenizer { get; }

    public int FeatureWidth => _text.FeatureWidth;

    public static TextEncoderSession Open(ModelFolder folder, InferenceOptions options)
    {
        var tokenizer = folder.CreatePromptTokenizer();
        return new TextEncoderSession(SessionOptionsFactory.Load(folder.TextOnnxPath!, options), folder.Manifest.Text!, tokenizer);
    }

    /// <summary>Embeds prompts in one batch; <paramref name="includeHiddenStates"/> also returns the last hidden state.</summary>
    public TextEmbeddings Embed(IReadOnlyList<string> prompts, bool includeHiddenStates = false)
    {
        var batch = Tokenizer.EncodeBatch(prompts);
        var (rows, length, hidden, width) = (batch.BatchSize, batch.SequenceLength, _text.HiddenSize, _text.FeatureWidth);
        var features = new float[rows * width];
        var means = new float[rows * hidden];
        var states = includeHiddenStates ? new float[rows * length * hidden] : null;

        long[] shape = [rows, length];
        var memory = OrtMemoryInfo.DefaultInstance;
        using var ids = OrtValue.CreateTensorValueFromMemory(memory, batch.InputIds.AsMemory(), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(memory, batch.AttentionMask.AsMemory(), shape);
        using var featureValue = OrtValue.CreateTensorValueFromMemory(memory, features.AsMemory(), [rows, width]);
        using var meanValue = OrtValue.CreateTensorValueFromMemory(memory, means.AsMemory(), [rows, hidden]);
        using var stateValue = states is null ? null : OrtValue.CreateTensorValueFromMemory(memory, states.AsMemory(), [rows, length, hidden]);
        using var runOptions = new RunOptions();
        if (stateValue is null)
        {
            _session.Run(runOptions, InputNames, [ids, mask], [GraphContract.TextFeature, GraphContract.TextMeanEmbedding], [featureValue, meanValue]);
        }
        else
        {
            _session.Run(runOptions, InputNames, [ids, mask], [GraphContract.TextFeature, GraphContract.TextMeanEmbedding, GraphContract.LastHiddenState], [featureValue, meanValue, stateValue]);
        }

        return new TextEmbeddings(rows, width, features, hidden, means, length, states);
    }

    public void Dispose() => _session.Dispose();
}
