using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// Sequences to encode with a model folder, what each must produce (null: <see cref="OutputRequest.Default"/>), and the
/// weight of their batches in the devices' fair queues; <see cref="Source"/> names the work in the devices' queues and
/// the figures (one name per kind of caller, so online load is counted apart from the jobs).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EncodeRequest(
    [property: Id(0)] string ModelDirectory,
    [property: Id(1)] IReadOnlyList<string> Sequences,
    [property: Id(2)] OutputRequest? Outputs = null,
    [property: Id(3)] int Priority = JobSharing.DefaultPriority,
    [property: Id(4)] string Source = EncodeRequest.OnlineSource)
{
    /// <summary>The work name of online calls unless the caller says otherwise.</summary>
    public const string OnlineSource = "online";
}
