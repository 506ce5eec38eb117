namespace ProtSt.Model.Demo;

/// <summary>A tiny seeded generator whose sequence is fixed by its definition, so demo weights never change between runtimes.</summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in (0, 1].</summary>
    public double NextDouble() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>A standard normal value (Box–Muller).</summary>
    public double NextGaussian() => Math.Sqrt(-2.0 * Math.Log(NextDouble())) * Math.Cos(2 * Math.PI * NextDouble());
}
