using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using ProtSt.Grains;
using ProtSt.Silo.Api;

namespace ProtSt.Silo.Tests;

/// <summary>The JSON snapshot API and the event stream the job page listens to.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class JobApiTests(SiloHostFixture fixture)
{
    [Fact]
    public async Task A_finished_job_is_listed_readable_and_streamed_to_its_end()
    {
        var jobId = $"api-{Guid.NewGuid():N}";
        var records = SyntheticProteome.Records(40, seed: 3);
        var final = await fixture.RunJobAsync(jobId, records.ToAsyncEnumerable());

        var listed = Assert.Single((await fixture.Http.GetFromJsonAsync<List<JobSummary>>("/api/jobs", fixture.Json))!, j => j.JobId == jobId);
        Assert.Equal(JobSummary.Of(final), listed);

        var read = (await fixture.GetJobAsync(jobId))!;
        Assert.True(read.Completed);
        Assert.Equal(final.Rows, read.Rows);
        Assert.Equal(final.Elapsed, read.Elapsed);
        Assert.Equal(final.SequencesPerSecond, read.SequencesPerSecond);
        Assert.Equal(final.Throughput!.Sum(p => p.Sequences), read.Throughput!.Sum(p => p.Sequences));

        // A finished job's stream is its final snapshot, named done, and then the end.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stream = await fixture.Http.GetStreamAsync(new Uri($"/api/jobs/{jobId}/events", UriKind.Relative), timeout.Token);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            events.Add(item);
        }

        var done = Assert.Single(events);
        Assert.Equal(JobApiEndpoints.DoneEvent, done.EventType);
        Assert.Equal(final.Rows, JsonSerializer.Deserialize<JobSnapshot>(done.Data, fixture.Json)!.Rows);
    }

    [Fact]
    public async Task A_running_job_streams_snapshots_until_it_completes()
    {
        var jobId = $"stream-{Guid.NewGuid():N}";
        var job = fixture.Grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        await job.StartAsync(new JobStart("model", "input", 100));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stream = await fixture.Http.GetStreamAsync(new Uri($"/api/jobs/{jobId}/events", UriKind.Relative), timeout.Token);
        var events = new List<SseItem<JobSnapshot>>();
        await foreach (var item in SseParser.Create(stream, (_, data) => JsonSerializer.Deserialize<JobSnapshot>(data, fixture.Json)!).EnumerateAsync(timeout.Token))
        {
            events.Add(item);
            if (events.Count == 3)
            {
                await job.RecordShardAsync(0, 100, 0, [], []);
                await job.CompleteAsync();
            }
        }

        Assert.True(events.Count >= 4, $"{events.Count} events");
        Assert.All(events[..^1], e => Assert.Equal((JobApiEndpoints.SnapshotEvent, false, 0L), (e.EventType, e.Data.Completed, e.Data.Rows)));
        Assert.Equal((JobApiEndpoints.DoneEvent, true, 100L), (events[^1].EventType, events[^1].Data.Completed, events[^1].Data.Rows));
    }

    [Fact]
    public async Task Unknown_jobs_are_not_found()
    {
        var jobId = $"nobody-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Http.GetAsync(new Uri($"/api/jobs/{jobId}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Http.GetAsync(new Uri($"/api/jobs/{jobId}/events", UriKind.Relative))).StatusCode);

        // The page itself is served for any id; it says the job is unknown.
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative))).StatusCode);
    }
}
