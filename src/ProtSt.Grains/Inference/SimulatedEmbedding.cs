using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ProtSt.Grains.Inference;

/// <summary>
/// The simulated device's output for one sequence: values in [-1, 1) drawn from a generator seeded by a hash of the
/// sequence's real token ids, so the same sequence gets the same vector on any device, in any batch, in any run.
/// </summary>
public static class SimulatedEmbedding
{
    /// <summary>Fills <paramref name="destination"/> with the embedding of the sequence whose tokens (with <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>, without padding) are <paramref name="tokenIds"/>.</summary>
    public static void Fill(ReadOnlySpan<long> tokenIds, Span<float> destination)
    {
        var state = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(tokenIds));
        for (var i = 0; i < destination.Length; i++)
        {
            // SplitMix64: cheap, and every seed gives a full-period, well-mixed sequence.
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            destination[i] = (float)(((z >> 40) * (1.0 / (1UL << 24) * 2)) - 1);
        }
    }

    /// <summary>The embedding of one sequence as a new array.</summary>
    public static float[] Of(ReadOnlySpan<long> tokenIds, int width)
    {
        var result = new float[width];
        Fill(tokenIds, result);
        return result;
    }
}
