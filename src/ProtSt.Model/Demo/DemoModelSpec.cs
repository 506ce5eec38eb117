namespace ProtSt.Model.Demo;

/// <summary>The shape and seed of a generated (untrained) ESM checkpoint.</summary>
public sealed record DemoModelSpec
{
    /// <summary>The built-in demo model: small enough to screen a proteome on a laptop CPU.</summary>
    public static DemoModelSpec Default { get; } = new();

    /// <summary>The shape of ESM-2 8M (facebook/esm2_t6_8M_UR50D), for realistic benchmarks.</summary>
    public static DemoModelSpec Esm2_8M { get; } = new() { Layers = 6, HiddenSize = 320, Heads = 20, IntermediateSize = 1280 };

    public int Layers { get; init; } = 4;

    public int HiddenSize { get; init; } = 128;

    public int Heads { get; init; } = 8;

    public int IntermediateSize { get; init; } = 512;

    /// <summary>ESM-2 (rotary) when false; ESM-1b (learned positions, layer norm before the encoder) when true.</summary>
    public bool Esm1b { get; init; }

    public bool TokenDropout { get; init; } = true;

    /// <summary>
    /// Also write ESM's contact head (<c>esm.contact_head.regression</c>), drawn after every encoder tensor so the
    /// encoder's weights are the same with or without it; off for the built-in demo model, whose folder stays as it was.
    /// </summary>
    public bool ContactHead { get; init; }

    public ulong Seed { get; init; } = 20230601;
}
