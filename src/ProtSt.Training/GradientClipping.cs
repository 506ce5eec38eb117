using System.Numerics.Tensors;

namespace ProtSt.Training;

/// <summary>torch.nn.utils.clip_grad_norm_ with the L2 norm: every gradient scaled by min(1, max / (‖g‖ + 1e-6)), ‖g‖ over all tensors together.</summary>
internal static class GradientClipping
{
    // torch adds this to the norm so an all-zero gradient divides safely.
    private const double NormEpsilon = 1e-6;

    /// <summary>Scales <paramref name="gradients"/> in place when their global norm exceeds <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipInPlace(IReadOnlyList<float[]> gradients, double maxNorm)
    {
        double squares = 0;
        foreach (var gradient in gradients)
        {
            // Each tensor's norm in float, as torch's per-tensor norms are, then combined.
            double norm = TensorPrimitives.Norm<float>(gradient);
            squares += norm * norm;
        }

        var total = Math.Sqrt(squares);
        var coefficient = (float)(maxNorm / (total + NormEpsilon));
        if (coefficient < 1)
        {
            foreach (var gradient in gradients)
            {
                TensorPrimitives.Multiply(gradient, coefficient, gradient);
            }
        }

        return total;
    }
}
