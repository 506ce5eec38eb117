using ProtSt.Model.Outputs;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Whose sequences the <see cref="BatchRouter"/> computes and under which limits: the job (its figures and its weight
/// in the devices' fair queues), the model folder, how many devices it may use (0: all), and a cap on the token budget
/// (0: the devices' own budget, which is what every submitter gets unless it asks for less), and what each sequence's
/// batch must produce (null: <see cref="OutputRequest.Default"/>); online work's batches go before queued job batches.
/// </summary>
public sealed record RoutedWork(
    string JobId,
    string ModelDirectory,
    int Priority = JobSharing.DefaultPriority,
    int MaxDevices = 0,
    int MaxTokensPerBatch = 0,
    int MaxBatchSize = 256,
    OutputRequest? Outputs = null,
    bool Online = false);
