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

    /// <summary>
    /// ESM C (ESM Cambrian) in the esm package's layout when true: heads are <see cref="HiddenSize"/> / 64 and
    /// <see cref="IntermediateSize"/> is the SwiGLU width (<see cref="EsmCFeedForwardWidth"/>); <see cref="Heads"/> is ignored.
    /// </summary>
    public bool EsmC { get; init; }

    public bool TokenDropout { get; init; } = true;

    /// <summary>
    /// Also write ESM's contact head (<c>esm.contact_head.regression</c>), drawn after every encoder tensor so the
    /// encoder's weights are the same with or without it; off for the built-in demo model, whose folder stays as it was.
    /// </summary>
    public bool ContactHead { get; init; }

    /// <summary>ESM C's feed-forward width for <paramref name="width"/>: 8/3 of it, rounded up to a multiple of 256.</summary>
    public static int EsmCFeedForwardWidth(int width) => (((8 * width) + (3 * 256) - 1) / (3 * 256)) * 256;

    /// <summary>A small untrained ESM C: 4 blocks of 128 (2 heads of 64), feed-forward 512.</summary>
    public static DemoModelSpec EsmCDefault { get; } = new() { EsmC = true, Layers = 4, HiddenSize = 128, Heads = 2, IntermediateSize = EsmCFeedForwardWidth(128) };

    public ulong Seed { get; init; } = 20230601;
}
