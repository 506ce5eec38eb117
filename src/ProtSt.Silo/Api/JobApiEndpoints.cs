using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Silo.Monitoring;
using ProtSt.Silo.Security;

namespace ProtSt.Silo.Api;

/// <summary>The JSON and event-stream API of jobs under /api/jobs: list, submit, read one, follow one.</summary>
public static class JobApiEndpoints
{
    /// <summary>The event name of a snapshot of a running job; the stream ends with one named <c>done</c>.</summary>
    public const string SnapshotEvent = "snapshot";

    public const string DoneEvent = "done";

    public static WebApplication MapJobApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/jobs");
        api.MapGet("/", async (JobReader jobs, CancellationToken cancellationToken) =>
            TypedResults.Ok((await jobs.ListAsync(cancellationToken)).Select(JobSummary.Of).ToList()));
        // Submits a job as protst screen --detach does; behind the API key like every other request of an exposed host.
        api.MapPost("/", async Task<IResult> (JobSubmission submission, IGrainFactory grains, IOptions<ScreenOptions> screen, CancellationToken cancellationToken) =>
        {
            var (spec, problem) = submission.ToSpec(screen.Value);
            if (spec is null)
            {
                return TypedResults.BadRequest(problem);
            }

            var jobId = JobIds.New(spec.Kind);
            try
            {
                var status = await grains.GetGrain<IJobCoordinatorGrain>(jobId).SubmitAsync(spec).WaitAsync(cancellationToken);
                return TypedResults.Accepted($"/api/jobs/{jobId}", status);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or UnauthorizedAccessException or RequestRefusedException)
            {
                return TypedResults.BadRequest(e.Message);
            }
        });
        api.MapGet("/{id}", async Task<IResult> (string id, JobReader jobs, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            if (Refused(id, security) is { } refused)
            {
                return refused;
            }

            return await jobs.GetAsync(id, cancellationToken) is { } snapshot ? TypedResults.Ok(snapshot) : TypedResults.NotFound();
        });
        api.MapGet("/{id}/events", async Task<IResult> (string id, JobReader jobs, IOptions<MonitoringOptions> options, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            if (Refused(id, security) is { } refused)
            {
                return refused;
            }

            return await jobs.GetAsync(id, cancellationToken) is { } first
                ? TypedResults.ServerSentEvents(StreamAsync(first, jobs, options.Value.PushInterval, cancellationToken))
                : TypedResults.NotFound();
        });
        api.MapJobResults();
        return app;
    }

    private static BadRequest<string>? Refused(string id, IOptions<SecurityOptions> security) =>
        JobIdRule.Problem(id, security.Value.MaxIdLength) is { } problem ? TypedResults.BadRequest(problem) : null;

    private static async IAsyncEnumerable<SseItem<JobSnapshot>> StreamAsync(
        JobSnapshot first, JobReader jobs, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        var snapshot = first;
        while (!snapshot.Completed)
        {
            yield return new SseItem<JobSnapshot>(snapshot, SnapshotEvent);
            await timer.WaitForNextTickAsync(cancellationToken);
            snapshot = await jobs.GetAsync(snapshot.JobId, cancellationToken) ?? snapshot;
        }

        yield return new SseItem<JobSnapshot>(snapshot, DoneEvent);
    }
}
