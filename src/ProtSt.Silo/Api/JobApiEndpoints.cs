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

/// <summary>The JSON and event-stream API of jobs under /api/jobs: list, submit, read one, follow one, cancel one.</summary>
public static class JobApiEndpoints
{
    /// <summary>The event name of a snapshot of a running job; the stream ends with one named <c>done</c>.</summary>
    public const string SnapshotEvent = "snapshot";

    public const string DoneEvent = "done";

    public static WebApplication MapJobApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/jobs");

        // A read that outlived its retries (no live silo holds the grain yet) is an outage, not a bug: one line, 503.
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (ClusterLostException e)
            {
                return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        api.MapGet("/", async (JobReader jobs, CancellationToken cancellationToken) =>
            TypedResults.Ok((await jobs.ListAsync(cancellationToken)).Select(JobSummary.Of).ToList()));
        // Submits a job as protst screen --detach does; behind the API key like every other request of an exposed host.
        // The body is read here, not bound, so a field of the wrong type or an unknown one answers 400 naming it.
        api.MapPost("/", async Task<IResult> (HttpRequest request, IGrainFactory grains, IOptions<ScreenOptions> screen, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            var (submission, unreadable) = await JobSubmission.ReadAsync(request, cancellationToken);
            if (submission is null)
            {
                return TypedResults.BadRequest(unreadable);
            }

            var (spec, problem) = submission.ToSpec(screen.Value, security.Value);
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
            catch (OutputFolderBusyException e)
            {
                return TypedResults.Conflict(e.Message);
            }
            catch (Exception e) when (JobRefusal.IsUsersProblem(e))
            {
                return TypedResults.BadRequest(e.Message);
            }
        });
        api.MapDelete("/{id}", async Task<IResult> (string id, IGrainFactory grains, JobReader jobs, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            if (Refused(id, security) is { } refused)
            {
                return refused;
            }

            // Cancels a running job (its folder records it); a finished one is left as it ended. Answers the job's state.
            return await grains.GetGrain<IJobCoordinatorGrain>(id).CancelAsync().WaitAsync(cancellationToken) is null
                ? TypedResults.NotFound()
                : TypedResults.Ok(await jobs.GetAsync(id, cancellationToken));
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
