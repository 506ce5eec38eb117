using ProtSt.Grains;

namespace ProtSt.Client;

/// <summary>
/// A job as a command asks for it: input file, output folder and model folder (made absolute here: the silos read
/// and write them, so they must be paths every silo sees), the task and labels, the invalid-record policy, whether the
/// input's labels are scored (eval), how the output is laid out, what is extracted beyond the mean embedding
/// (<see cref="Extraction"/>, null for nothing more), and how the job shares the devices (<see cref="JobSharing"/>), and whether it may replace another finished job's results.
/// </summary>
public sealed record JobRequest(
    string Kind,
    string Input,
    string Output,
    string Model,
    string? Task,
    string? LabelsPath,
    bool LabelDescriptions,
    string PromptTemplate,
    bool FailOnInvalid,
    bool ScoreLabels = false,
    OutputLayout Layout = OutputLayout.Assembled,
    int Priority = JobSharing.DefaultPriority,
    int MaxDevices = 0,
    Extraction? Extract = null,
    bool Overwrite = false);
