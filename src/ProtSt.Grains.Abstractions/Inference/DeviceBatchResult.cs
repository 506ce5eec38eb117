using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// What a device produced for one batch (<see cref="BatchOutputs"/>: the mean residue embeddings, and what else the
/// batch asked for), how long the device worked on it, and on what (its accelerator: <c>CPU</c>, or <c>CUDA:i</c> and
/// the GPU's name).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceBatchResult(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] BatchOutputs Outputs,
    [property: Id(2)] TimeSpan Busy,
    [property: Id(3)] string Accelerator = "");
