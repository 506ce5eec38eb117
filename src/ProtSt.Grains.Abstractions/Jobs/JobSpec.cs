using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// What a submitted job is: its input file and output folder (paths every silo sees), the model folder, the task
/// ("embed", "zero-shot", "classify" or null for the model's own) with zero-shot label settings, the invalid-record
/// policy, whether input labels are scored (eval), how the output is laid out, how it is cut into shards, and how it
/// shares the devices with other jobs (<see cref="JobSharing"/>: <see cref="Priority"/> weighs its batches in each
/// device's fair queue, <see cref="MaxDevices"/> caps how many devices it uses, 0 for all). <see cref="MaxTokensPerBatch"/>
/// caps the token budget of its batches, 0 (what clients send) for the budget of the devices that run them;
/// <see cref="Outputs"/> is what each record's batch produces (null: <see cref="OutputRequest.Default"/>); <see cref="Extract"/>
/// what the job writes beyond the mean embedding (<c>--include</c>, <c>--layers</c>, <c>--long</c>; null: nothing more), which
/// the silo checks against the model at submit and turns into each batch's outputs.
/// <see cref="Overwrite"/> lets the job replace the results of another, finished job (or a non-empty folder that is no job's).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobSpec(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Input,
    [property: Id(2)] string Output,
    [property: Id(3)] string Model,
    [property: Id(4)] string? Task,
    [property: Id(5)] string? LabelsPath,
    [property: Id(6)] bool LabelDescriptions,
    [property: Id(7)] string PromptTemplate,
    [property: Id(8)] bool FailOnInvalid,
    [property: Id(9)] bool ScoreLabels,
    [property: Id(10)] OutputLayout Layout,
    [property: Id(11)] int ShardSize,
    [property: Id(12)] int MaxTokensPerBatch,
    [property: Id(13)] int MaxBatchSize,
    [property: Id(14)] int MaxShardsInFlight,
    [property: Id(15)] int Priority = JobSharing.DefaultPriority,
    [property: Id(16)] int MaxDevices = 0,
    [property: Id(17)] OutputRequest? Outputs = null,
    [property: Id(18)] Extraction? Extract = null,
    [property: Id(19)] bool Overwrite = false);
