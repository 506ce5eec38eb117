namespace ProtSt.Model.Demo;

/// <summary>The shape and seed of a generated (untrained) ProtST zero-shot checkpoint: an ESM-1b protein tower, a BERT text tower, projections.</summary>
public sealed record ProtStDemoSpec
{
    /// <summary>Small enough for tests and first runs.</summary>
    public static ProtStDemoSpec Default { get; } = new();

    /// <summary>ProtST-esm1b's widths (protein 1280, 20 heads; text 768, 12 heads; projection 512) at the given depths.</summary>
    public static ProtStDemoSpec Esm1bWidth(int proteinLayers, int textLayers) => new()
    {
        Protein = new DemoModelSpec { Layers = proteinLayers, HiddenSize = 1280, Heads = 20, IntermediateSize = 5120, Esm1b = true },
        TextLayers = textLayers,
        TextHidden = 768,
        TextHeads = 12,
        TextIntermediate = 3072,
        ProjectionSize = 512,
    };

    public DemoModelSpec Protein { get; init; } = new() { Esm1b = true };

    public int TextLayers { get; init; } = 2;

    public int TextHidden { get; init; } = 64;

    public int TextHeads { get; init; } = 4;

    public int TextIntermediate { get; init; } = 256;

    public int ProjectionSize { get; init; } = 32;

    /// <summary>ProtST's learned temperature; ln(1/0.07), the CLIP initialisation.</summary>
    public double LogitScale { get; init; } = 2.6592600345611572;

    public ulong Seed { get; init; } = 20230723;
}
