using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ProtSt.Training;

/// <summary>The head as torch modules: Linear(h, h) → ReLU → Linear(h, c), loaded from and read back into a <see cref="ClassifierHead"/>.</summary>
internal sealed class HeadModule : IDisposable
{
    private readonly Linear _dense;
    private readonly Linear _outProj;

    public HeadModule(ClassifierHead head)
    {
        _dense = nn.Linear(head.HiddenSize, head.HiddenSize);
        _outProj = nn.Linear(head.HiddenSize, head.NumLabels);
        Load(head);
    }

    public IEnumerable<Parameter> Parameters => [_dense.weight, _dense.bias!, _outProj.weight, _outProj.bias!];

    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialisation (kaiming-uniform with a = √5, so every weight and bias is
    /// U(−1/√fan_in, 1/√fan_in)), drawn from a seeded <see cref="Random"/> rather than torch's process-wide generator
    /// so that concurrent runs cannot perturb each other's start.
    /// </summary>
    public static ClassifierHead Initial(int hidden, int labels, Random random)
    {
        var bound = 1.0 / Math.Sqrt(hidden);
        float[] Uniform(long count)
        {
            var values = new float[count];
            for (long i = 0; i < count; i++)
            {
                values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }

            return values;
        }

        return new ClassifierHead(Uniform((long)hidden * hidden), Uniform(hidden), Uniform((long)labels * hidden), Uniform(labels));
    }

    public Tensor Forward(Tensor features) => _outProj.forward(nn.functional.relu(_dense.forward(features)));

    public void Load(ClassifierHead head)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _dense.weight.copy_(torch.tensor(head.DenseWeight, [head.HiddenSize, head.HiddenSize]));
        _dense.bias!.copy_(torch.tensor(head.DenseBias));
        _outProj.weight.copy_(torch.tensor(head.OutProjWeight, [head.NumLabels, head.HiddenSize]));
        _outProj.bias!.copy_(torch.tensor(head.OutProjBias));
    }

    public ClassifierHead Snapshot() => new(
        _dense.weight.data<float>().ToArray(),
        _dense.bias!.data<float>().ToArray(),
        _outProj.weight.data<float>().ToArray(),
        _outProj.bias!.data<float>().ToArray());

    public void Dispose()
    {
        _dense.Dispose();
        _outProj.Dispose();
    }
}
