using ProtSt.Grains;

namespace ProtSt.Client;

/// <summary>The one submission path of screen, eval, finetune and the HTTP API's clients: a request becomes a job spec and a coordinator grain.</summary>
public static class JobSubmitter
{
    /// <summary>A new job id: the kind, the time, and 6 random hex digits.</summary>
    public static string NewId(string kind) => JobIds.New(kind);

    /// <summary>
    /// The spec of <paramref name="request"/> with the client's shard settings. Its token budget per batch is 0, the
    /// devices' own: a client does not know the accelerators of the silos that will run the job.
    /// </summary>
    public static JobSpec Spec(JobRequest request, JobClientOptions options) => new(
        request.Kind,
        Path.GetFullPath(request.Input),
        Path.GetFullPath(request.Output),
        Path.GetFullPath(request.Model),
        request.Task,
        request.LabelsPath is null ? null : Path.GetFullPath(request.LabelsPath),
        request.LabelDescriptions,
        request.PromptTemplate,
        request.FailOnInvalid,
        request.ScoreLabels,
        request.Layout,
        options.ShardSize,
        0,
        options.MaxBatchSize,
        options.MaxShardsInFlight,
        request.Priority,
        request.MaxDevices,
        Extract: request.Extract,
        Overwrite: request.Overwrite);

    /// <summary>
    /// Hands the job to the cluster; the silo that takes it checks that it can read the input and write the output.
    /// Submitting a known id again returns its status, so a call that met a dying silo is tried again (<see cref="ClusterCall"/>).
    /// </summary>
    public static Task<JobStatus> SubmitAsync(IGrainFactory grains, string jobId, JobSpec spec, JobClientOptions options, CancellationToken cancellationToken) =>
        ClusterCall.RetryAsync(() => grains.GetGrain<IJobCoordinatorGrain>(jobId).SubmitAsync(spec), options.ControlCallTimeout, options.GrainMoveTimeout, $"submitting job {jobId}", cancellationToken);
}
