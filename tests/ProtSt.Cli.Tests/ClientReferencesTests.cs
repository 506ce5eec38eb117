using System.Reflection;
using ProtSt.Client;

namespace ProtSt.Cli.Tests;

/// <summary>
/// A <c>--cluster</c> client carries the grain interfaces only, as in Orleans' own samples: not the silo, the grains,
/// the model layer or ONNX Runtime behind them, directly or through another ProtSt assembly.
/// </summary>
public sealed class ClientReferencesTests
{
    [Fact]
    public void The_client_assembly_references_only_the_grain_interfaces_and_the_output_contract_among_ProtSt_assemblies()
    {
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>([typeof(JobWatcher).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var name in assembly.GetReferencedAssemblies().Where(n => n.Name!.StartsWith("ProtSt.", StringComparison.Ordinal)))
            {
                if (reached.Add(name.Name!))
                {
                    pending.Enqueue(Assembly.Load(name));
                }
            }
        }

        Assert.DoesNotContain("ProtSt.Silo", reached);
        Assert.DoesNotContain("ProtSt.Grains", reached);
        Assert.DoesNotContain("ProtSt.Model", reached);
        // The output contract (what a batch is asked for and produced) is its own dependency-free assembly for this reason.
        Assert.Equal(["ProtSt.Grains.Abstractions", "ProtSt.Model.Outputs"], reached);
    }
}
