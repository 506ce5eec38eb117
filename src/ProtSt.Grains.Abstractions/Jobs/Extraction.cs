using System.Globalization;
using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// What a job extracts beyond today's mean embedding (<c>--include</c>, <c>--layers</c>, <c>--long</c>): the parts, the
/// layers in fair-esm's numbering (negative counts from the end; empty: the last), how long proteins are handled, and
/// the window length for <see cref="LongProteins.Window"/>. <see cref="ModelLayers"/> is 0 as submitted and the model's
/// layer count once a silo has checked the request against the model (<see cref="Resolve"/>), with the layers then
/// numbered 0..L.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Extraction(
    [property: Id(0)] ExtractionParts Include,
    [property: Id(1)] int[] Layers,
    [property: Id(2)] LongProteins Long = LongProteins.Truncate,
    [property: Id(3)] int WindowResidues = Extraction.DefaultWindowResidues,
    [property: Id(4)] int ModelLayers = 0)
{
    /// <summary>fair-esm's limit: 1,024 positions less <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>.</summary>
    public const int DefaultWindowResidues = 1022;

    // A layer number no model has: "all", until the model's layer count is known.
    private const int AllLayers = int.MinValue;

    /// <summary>The words of <c>--include</c> and the API's <c>include</c>.</summary>
    public static IReadOnlyList<string> IncludeWords { get; } = ["mean", "per-residue", "bos", "contacts"];

    /// <summary>The words of <c>--long</c> and the API's <c>long</c>.</summary>
    public static IReadOnlyList<string> LongWords { get; } = ["truncate", "window"];

    /// <summary>The layers, numbered 0..L; only after <see cref="Resolve"/> (methods, not properties, so state serializers skip them).</summary>
    public IReadOnlyList<int> ResolvedLayers() => ModelLayers > 0 ? Layers : throw new InvalidOperationException("The extraction was not resolved against a model.");

    /// <summary>True when the job writes residues.parquet.</summary>
    public bool WantsResidues() => Include.HasFlag(ExtractionParts.PerResidue);

    /// <summary>True when the job writes contacts.parquet.</summary>
    public bool WantsContacts() => Include.HasFlag(ExtractionParts.Contacts);

    /// <summary>
    /// The extraction the words ask for, or the reason they cannot be one, in one line naming the option: null words take
    /// the defaults (mean, the last layer, truncate, 1,022-residue windows).
    /// </summary>
    public static (Extraction? Extraction, string? Problem) Parse(string? include, string? layers, string? longProteins, int? windowResidues)
    {
        var parts = ExtractionParts.None;
        foreach (var word in Words(include ?? "mean"))
        {
            var index = IncludeWords.ToList().IndexOf(word);
            if (index < 0)
            {
                return (null, $"include takes {string.Join(", ", IncludeWords)} (comma-separated), not '{word}'");
            }

            parts |= (ExtractionParts)(1 << index);
        }

        if (parts == ExtractionParts.None)
        {
            return (null, $"include names nothing; give one or more of {string.Join(", ", IncludeWords)}");
        }

        var numbers = new List<int>();
        var all = false;
        foreach (var word in Words(layers ?? "-1"))
        {
            if (word == "all")
            {
                all = true;
            }
            else if (int.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                numbers.Add(number);
            }
            else
            {
                return (null, $"layers takes layer numbers (0 the embeddings, -1 the last) or all, comma-separated, not '{word}'");
            }
        }

        if (all && numbers.Count > 0)
        {
            return (null, "layers is either all or a list of layer numbers, not both");
        }

        if (!all && numbers.Count == 0)
        {
            return (null, "layers names no layer");
        }

        var mode = longProteins ?? "truncate";
        if (!LongWords.Contains(mode))
        {
            return (null, $"long is truncate or window, not '{mode}'");
        }

        var window = windowResidues ?? DefaultWindowResidues;
        if (window is < 8 or > DefaultWindowResidues)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"window-residues must be 8 to {DefaultWindowResidues}, not {window}"));
        }

        var longMode = mode == "window" ? LongProteins.Window : LongProteins.Truncate;
        if (longMode == LongProteins.Window && parts.HasFlag(ExtractionParts.Contacts))
        {
            return (null, "contacts need the whole protein in one pass; use long truncate with contacts");
        }

        // "all" is kept as a marker: every layer, numbered once the model is known.
        return (new Extraction(parts, all ? [AllLayers] : [.. numbers], longMode, window), null);
    }

    /// <summary>
    /// This extraction checked against a model of <paramref name="layerCount"/> layers, its layers numbered 0..L; throws
    /// <see cref="ArgumentException"/> with one line naming the layer when one lies outside the model.
    /// </summary>
    public Extraction Resolve(int layerCount)
    {
        if (ModelLayers > 0)
        {
            return ModelLayers == layerCount ? this : throw new ArgumentException($"The extraction was checked against a model of {ModelLayers} layers, not {layerCount}.");
        }

        var resolved = Layers is [AllLayers]
            ? Enumerable.Range(0, layerCount + 1).ToArray()
            : [.. new OutputRequest { Layers = [.. Layers] }.ResolveLayers(layerCount)];
        return this with { Layers = resolved, ModelLayers = layerCount };
    }

    /// <summary>
    /// What each batch of a resolved extraction must produce: the last layer from the pooled and residue slots, other
    /// layers from the per-layer ones, <c>&lt;cls&gt;</c> states from the per-layer <c>&lt;cls&gt;</c> slot. Residue
    /// states are asked for only with per-residue or for <paramref name="windowed"/> batches (a long protein's windows,
    /// whose states are combined into its own): under <c>--long window</c> a protein that fits the window takes the
    /// lighter request.
    /// </summary>
    public OutputRequest Outputs(bool windowed = false)
    {
        var layers = ResolvedLayers();
        var onlyLast = layers.Count == 1 && layers[0] == ModelLayers;
        var states = Include.HasFlag(ExtractionParts.PerResidue) || (windowed && Long == LongProteins.Window);

        // The last layer's <cls> state alone comes with its residue states from the encoder graph, which is cheaper to
        // run than the extraction graph (every layer's outputs, and the contact head where the folder has one).
        var bosSlot = Include.HasFlag(ExtractionParts.Bos) && !onlyLast;
        states |= Include.HasFlag(ExtractionParts.Bos) && onlyLast;
        var kinds = OutputKind.Pooled | OutputKind.Head;
        if (states && onlyLast)
        {
            kinds |= OutputKind.Residues;
        }

        if (!onlyLast && (states || Include.HasFlag(ExtractionParts.Mean)))
        {
            kinds |= OutputKind.Layers;
        }

        // Other layers' states come in the per-layer slot only when residues are asked for as well; without it a layer
        // request gives its means alone.
        if (!onlyLast && states)
        {
            kinds |= OutputKind.Residues;
        }

        // Other layers' <cls> states ([B, layers, D]), not the [B, layers, T, D] states they sit in.
        if (bosSlot)
        {
            kinds |= OutputKind.Bos;
        }

        if (Include.HasFlag(ExtractionParts.Contacts))
        {
            kinds |= OutputKind.Contacts;
        }

        return new OutputRequest { Kinds = kinds, Layers = onlyLast ? [] : [.. layers] };
    }

    private static IEnumerable<string> Words(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant());
}
