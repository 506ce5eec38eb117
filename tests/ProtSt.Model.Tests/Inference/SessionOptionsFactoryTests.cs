using ProtSt.Model.Inference;

namespace ProtSt.Model.Tests.Inference;

public sealed class SessionOptionsFactoryTests
{
    [Fact]
    public void Memory_patterns_are_off_unless_the_options_turn_them_on()
    {
        // Memory patterns keep a block per batch shape, and a screen's batches come in many shapes (docs/benchmarks.md).
        using (var defaults = SessionOptionsFactory.Create(new InferenceOptions()))
        {
            Assert.False(defaults.EnableMemoryPattern);

            // ONNX Runtime's CPU arena stays: without it a screen was 2x slower and took more memory (glibc's heap).
            Assert.True(defaults.EnableCpuMemArena);
        }

        using var chosen = SessionOptionsFactory.Create(new InferenceOptions { MemoryPattern = true });
        Assert.True(chosen.EnableMemoryPattern);
    }
}
