using Microsoft.ML.OnnxRuntime;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;

namespace ProtSt.Model.Inference;

/// <summary>The session of a model folder's head graph: mean residue embeddings in, the projected feature or class probabilities out.</summary>
public sealed class HeadSession : IDisposable
{
    private static readonly string[] InputNames = [GraphContract.HeadInput];

    private readonly InferenceSession _session;
    private readonly string[] _outputNames;

    private HeadSession(InferenceSession session, int inputWidth, int outputWidth, bool probabilities)
    {
        _session = session;
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        _outputNames = [probabilities ? GraphContract.HeadProbabilities : GraphContract.HeadOutput];
    }

    public int InputWidth { get; }

    /// <summary>Values per sequence out: the projection width, or the number of classes.</summary>
    public int OutputWidth { get; }

    /// <summary>Opens the head of a zero-shot folder (projected features) or a classifier (softmax probabilities).</summary>
    public static HeadSession Open(ModelFolder folder, InferenceOptions options)
    {
        var head = folder.Manifest.Head ?? throw new ModelFolderException($"'{folder.Directory}' is an encoder-only model; it has no head.");
        var session = SessionOptionsFactory.Load(folder.HeadPath!, options);
        return new HeadSession(session, folder.Manifest.HiddenSize, head.OutputWidth, folder.Manifest.Kind == ModelKind.Classifier);
    }

    /// <summary>Applies the head to <paramref name="rows"/> embeddings laid out row-major in <paramref name="input"/>.</summary>
    public float[] Run(float[] input, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input.Length, rows * InputWidth, nameof(input));
        var output = new float[rows * OutputWidth];
        var memory = OrtMemoryInfo.DefaultInstance;
        using var inputValue = OrtValue.CreateTensorValueFromMemory(memory, input.AsMemory(0, rows * InputWidth), [rows, InputWidth]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(memory, output.AsMemory(), [rows, OutputWidth]);
        using var runOptions = new RunOptions();
        _session.Run(runOptions, InputNames, [inputValue], _outputNames, [outputValue]);
        return output;
    }

    public void Dispose() => _session.Dispose();
}
