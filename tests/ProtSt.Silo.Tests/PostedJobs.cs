using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ProtSt.Grains;
using ProtSt.Model.Folders;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Silo.Tests;

/// <summary>
/// Jobs posted to the shared silo host as <c>POST /api/jobs</c> takes them, followed to their end; and the zero-shot
/// screen the results tests share: the protst-tiny golden proteins (search scores known) then synthetic ones, labelled
/// by the golden's first ten prompts.
/// </summary>
public static class PostedJobs
{
    public const int SyntheticRecords = 35;

    /// <summary>Converts the protst-tiny golden into <paramref name="scratch"/> and writes the screen's input and label files.</summary>
    public static (ProtStGolden Golden, string Model, string Input, string Labels, int Records) ZeroShotScreen(TempDirectory scratch)
    {
        var golden = ProtStGolden.Load("protst-tiny");
        var model = scratch.Combine("zero-shot");
        ModelConverter.Convert(golden.Directory, model);
        var records = golden.Proteins.Select((sequence, i) => (Id: $"golden{i}", Sequence: sequence))
            .Concat(SyntheticProteome.Records(SyntheticRecords, seed: 23).Select(r => (r.Id, r.Sequence))).ToList();
        var input = scratch.Write("in.fasta", string.Concat(records.Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var labels = scratch.Write("prompts.tsv", string.Join('\n', ["name", .. golden.Prompts[..10]]) + "\n");
        return (golden, model, input, labels, records.Count);
    }

    /// <summary>Posts a screen (<paramref name="task"/>, else zero-shot with <paramref name="labels"/>, else embed) and waits until it completed; returns its id and output folder.</summary>
    public static async Task<(string Id, string Output)> RunAsync(SiloHostFixture fixture, TempDirectory scratch, string input, string model, string? labels, string layout, string? task = null)
    {
        var output = scratch.Combine($"out-{Guid.NewGuid():N}");
        using var response = await fixture.Http.PostAsJsonAsync("/api/jobs", new
        {
            input,
            output,
            model,
            task = task ?? (labels is null ? "embed" : "zero-shot"),
            labels,
            prompt_template = labels is null ? null : "{name}",
            output_layout = layout,
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var jobId = accepted.RootElement.GetProperty("jobId").GetString()!;
        await WaitAsync(fixture, jobId);
        return (jobId, output);
    }

    /// <summary>
    /// Submits a zero-shot screen with <paramref name="labels"/> to the coordinator in shards of <paramref name="shardSize"/>
    /// (the HTTP API takes the cluster's shard size) and waits until it completed; returns its id and output folder.
    /// </summary>
    public static async Task<(string Id, string Output)> ZeroShotAsync(SiloHostFixture fixture, TempDirectory scratch, string input, string model, string labels, OutputLayout layout, int shardSize)
    {
        var job = await StartAsync(fixture, scratch, input, model, labels, layout, shardSize, maxShardsInFlight: 4);
        await WaitAsync(fixture, job.Id);
        return job;
    }

    /// <summary>
    /// Submits a screen (zero-shot with <paramref name="labels"/>, else embed) to the coordinator in shards of
    /// <paramref name="shardSize"/>, at most <paramref name="maxShardsInFlight"/> at once, and returns at once with its id and output folder.
    /// </summary>
    public static async Task<(string Id, string Output)> StartAsync(SiloHostFixture fixture, TempDirectory scratch, string input, string model, string? labels, OutputLayout layout, int shardSize, int maxShardsInFlight)
    {
        var output = scratch.Combine($"out-{Guid.NewGuid():N}");
        var spec = new JobSpec("screen", input, output, model, labels is null ? "embed" : "zero-shot", labels, false, "{name}", FailOnInvalid: true, ScoreLabels: false,
            layout, ShardSize: shardSize, MaxTokensPerBatch: 0, MaxBatchSize: 8, MaxShardsInFlight: maxShardsInFlight);
        var jobId = JobIds.New("screen");
        await fixture.Grains.GetGrain<IJobCoordinatorGrain>(jobId).SubmitAsync(spec);
        return (jobId, output);
    }

    /// <summary>Submits an eval of <paramref name="input"/>'s true labels as <c>protst eval</c> does, to the coordinator (the HTTP API takes screens only) and waits until it completed; returns its id.</summary>
    public static async Task<string> EvalAsync(SiloHostFixture fixture, TempDirectory scratch, string input, string model, string labels)
    {
        var spec = new JobSpec("eval", input, scratch.Combine($"eval-{Guid.NewGuid():N}"), model, "zero-shot", labels, false, "{name}", FailOnInvalid: true, ScoreLabels: true,
            OutputLayout.Assembled, ShardSize: 4, MaxTokensPerBatch: 0, MaxBatchSize: 8, MaxShardsInFlight: 4);
        var jobId = JobIds.New("eval");
        await fixture.Grains.GetGrain<IJobCoordinatorGrain>(jobId).SubmitAsync(spec);
        await WaitAsync(fixture, jobId);
        return jobId;
    }

    /// <summary>Waits until job <paramref name="jobId"/> ended, two minutes at most, and checks that it completed.</summary>
    public static async Task WaitAsync(SiloHostFixture fixture, string jobId)
    {
        var job = fixture.Grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JobStatus status;
        while (!(status = (await job.GetStatusAsync())!).Final)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} did not end within 2 minutes");
            await Task.Delay(100);
        }

        Assert.True(status.Phase == JobPhase.Completed, status.Error);
    }
}
