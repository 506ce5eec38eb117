using System.Globalization;
using ProtSt.Model.Inference;

namespace ProtSt.Bench;

/// <summary>Minimal <c>--name value</c> parsing for benchmark programs.</summary>
internal sealed class BenchArguments(string[] args)
{
    public string? String(string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public int Int(string name, int fallback) =>
        String(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        String(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list of integers, e.g. <c>--silos 1,2,4</c>.</summary>
    public IReadOnlyList<int> Ints(string name, string fallback) =>
        [.. (String(name) ?? fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    public bool Has(string name) => Array.IndexOf(args, name) >= 0;

    /// <summary>The session options of a benchmark: the same <see cref="InferenceOptions"/> as protst's, on <c>--accelerator cpu|cuda</c> (default cpu).</summary>
    public InferenceOptions Inference() => new()
    {
        ExecutionProvider = Enum.Parse<ExecutionProvider>(String("--accelerator") ?? nameof(ExecutionProvider.Cpu), ignoreCase: true),
    };
}
