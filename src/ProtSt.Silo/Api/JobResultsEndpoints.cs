using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;
using ProtSt.Silo.JobOutputs;
using ProtSt.Silo.Monitoring;
using ProtSt.Silo.Security;

namespace ProtSt.Silo.Api;

/// <summary>
/// What a job found, read by the silo from the job's output folder (assembled files, or the finished parts so far):
/// label counts, pages of results.tsv, the embedding map, text search, and the files themselves.
/// </summary>
public static class JobResultsEndpoints
{
    /// <summary>Headers of the map: the job's rows so far, and k when every k-th protein is drawn.</summary>
    public const string TotalHeader = "X-Total-Count";

    public const string StrideHeader = "X-Map-Stride";

    private const int DefaultPageSize = 50;
    private const int DefaultSearchResults = 20;

    public static RouteGroupBuilder MapJobResults(this RouteGroupBuilder api)
    {
        api.MapGet("/{id}/labels", async Task<IResult> (string id, JobReader jobs, JobResultsCache cache, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            var (output, refused) = await FindAsync(id, jobs, security.Value, cancellationToken);
            if (output is null)
            {
                return refused!;
            }

            if (!output.HasLabels)
            {
                return NoLabels(output);
            }

            var rows = await cache.RowsAsync(output, cancellationToken);
            return TypedResults.Ok(rows.ClassNames.Zip(rows.LabelCounts(), (label, count) => new LabelCount(label, count)).ToList());
        });

        api.MapGet("/{id}/results", async Task<IResult> (
            string id, string? offset, string? limit, string? label, string? sort, string? match,
            JobReader jobs, JobResultsCache cache, IOptions<SecurityOptions> security, IOptions<MonitoringOptions> monitoring, CancellationToken cancellationToken) =>
        {
            var from = Number("offset", offset, 0, 0, int.MaxValue, out var problem);
            var size = Number("limit", limit, DefaultPageSize, 1, monitoring.Value.MaxResultsPage, out var limitProblem);
            var (order, sortProblem) = ResultsSort.Parse(sort);
            if ((problem ?? limitProblem ?? sortProblem) is { } bad)
            {
                return TypedResults.BadRequest(bad);
            }

            var (output, refused) = await FindAsync(id, jobs, security.Value, cancellationToken);
            if (output is null)
            {
                return refused!;
            }

            if (!output.HasLabels && (label is not null || order!.Key is ResultsSort.Label or ResultsSort.Score))
            {
                return NoLabels(output);
            }

            var rows = await cache.RowsAsync(output, cancellationToken);
            var labelIndex = -1;
            if (label is not null && (labelIndex = rows.ClassNames.ToList().IndexOf(label)) < 0)
            {
                return TypedResults.BadRequest($"label '{label}' is not one of job {id}'s labels ({string.Join(", ", rows.ClassNames)}).");
            }

            if (match is { Length: > 0 } || order!.Key == ResultsSort.Id)
            {
                // The index holds no ids: an id filter or sort reads the whole table once.
                await rows.LoadIdsAsync(cancellationToken);
            }

            return TypedResults.Ok(rows.Page(order!, labelIndex, match, from, size));
        });

        api.MapGet("/{id}/map", async Task<IResult> (
            string id, string? max, HttpResponse response, JobReader jobs, JobResultsCache cache, IOptions<SecurityOptions> security, IOptions<MonitoringOptions> monitoring, CancellationToken cancellationToken) =>
        {
            var points = Number("max", max, monitoring.Value.MapPoints, 1, monitoring.Value.MapPoints, out var problem);
            if (problem is not null)
            {
                return TypedResults.BadRequest(problem);
            }

            var (output, refused) = await FindAsync(id, jobs, security.Value, cancellationToken);
            if (output is null)
            {
                return refused!;
            }

            var map = await cache.MapAsync(output, points, cancellationToken);
            response.Headers[TotalHeader] = map.Rows.ToString(CultureInfo.InvariantCulture);
            response.Headers[StrideHeader] = map.Stride.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Ok(map.Points);
        });

        api.MapGet("/{id}/search", async Task<IResult> (
            string id, string? q, string? k, IGrainFactory grains, JobReader jobs, JobResultsCache cache, IOptions<SecurityOptions> security, IOptions<ScreenOptions> screen, CancellationToken cancellationToken) =>
        {
            var top = Number("k", k, DefaultSearchResults, 1, security.Value.MaxSearchResults, out var problem);
            if (problem is not null)
            {
                return TypedResults.BadRequest(problem);
            }

            if (string.IsNullOrWhiteSpace(q) || q.Length > security.Value.MaxPromptLength)
            {
                return TypedResults.BadRequest(string.Create(CultureInfo.InvariantCulture, $"q is the search text: 1 to {security.Value.MaxPromptLength} characters (Security:MaxPromptLength)."));
            }

            var (output, refused) = await FindAsync(id, jobs, security.Value, cancellationToken);
            if (output is null)
            {
                return refused!;
            }

            if (!output.Searchable)
            {
                return TypedResults.Conflict($"job {id} is a{(output.Status.TaskName is { } task ? $" {task}" : "n unresolved")} job: search needs the text tower and the projected features of a ProtST zero-shot job (screen --task zero-shot).");
            }

            try
            {
                var model = output.Status.Spec.Model;
                var logitScale = ModelFolder.Open(model, verifyHashes: false).Manifest.LogitScale
                    ?? throw new ModelFolderException($"the model in '{model}' has no logit scale: it is not a ProtST zero-shot model.");
                var query = await TextEmbedder.EmbedAsync(grains, model, [q], screen.Value.TextEmbeddingTimeout, cancellationToken);
                var scorer = new ZeroShotScorer(query.Features, 1, query.Width, logitScale);
                var rows = await cache.RowsAsync(output, cancellationToken);
                var (ranked, _) = await FeatureSearch.TopAsync(JobResultsCache.FeaturesAsync(rows, cancellationToken), scorer, top, cancellationToken);
                return TypedResults.Ok(ranked.Select(r => new SearchHit(r.Id, r.Score)).ToList());
            }
            catch (ModelFolderException e)
            {
                return TypedResults.Conflict($"job {id}'s model cannot embed text: {e.Message}");
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("No device", StringComparison.Ordinal))
            {
                return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        api.MapGet("/{id}/files/{name}", async Task<IResult> (string id, string name, JobReader jobs, IOptions<SecurityOptions> security, CancellationToken cancellationToken) =>
        {
            if (name is not (ResultsTable.FileName or EmbeddingsTable.FileName))
            {
                return TypedResults.NotFound($"a job's files here are {ResultsTable.FileName} and {EmbeddingsTable.FileName}.");
            }

            var (output, refused) = await FindAsync(id, jobs, security.Value, cancellationToken);
            if (output is null)
            {
                return refused!;
            }

            var contentType = name == ResultsTable.FileName ? "text/tab-separated-values; charset=utf-8" : "application/vnd.apache.parquet";
            var download = $"{id}-{name}";
            if (output.Pieces is [var single] && single == output.Status.Spec.Output)
            {
                return TypedResults.PhysicalFile(Path.Combine(single, name), contentType, download, enableRangeProcessing: true);
            }

            if (name == EmbeddingsTable.FileName)
            {
                if (output.Pieces.Count == 0)
                {
                    return TypedResults.Conflict($"job {id} has no finished part yet: its {EmbeddingsTable.FileName} has no rows to serve.");
                }

                // The parts' row groups copied into one file, as assembly would (Parquet's footer needs a seekable
                // target, so a scratch file that goes when the download ends).
                var scratch = Path.Combine(Path.GetTempPath(), $"protst-{id}-{Guid.NewGuid():N}.parquet");
                try
                {
                    await ParquetRowGroupCopier.ConcatenateAsync([.. output.Pieces.Select(EmbeddingsTable.PathIn)], scratch, cancellationToken);
                }
                catch
                {
                    File.Delete(scratch);
                    throw;
                }

                var file = new FileStream(scratch, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                return TypedResults.File(file, contentType, download);
            }

            return TypedResults.Stream(stream => ConcatenateAsync(output.Pieces, stream, cancellationToken), contentType, download);
        });

        return api;
    }

    private static async Task<(JobOutput? Output, IResult? Refused)> FindAsync(string id, JobReader jobs, SecurityOptions security, CancellationToken cancellationToken)
    {
        if (JobIdRule.Problem(id, security.MaxIdLength) is { } problem)
        {
            return (null, TypedResults.BadRequest(problem));
        }

        return await JobOutput.FindAsync(jobs, id, cancellationToken) is { } output
            ? (output, null)
            : (null, TypedResults.NotFound($"no job '{id}' was submitted to this cluster."));
    }

    // A part's results.tsv, and so each line after its header, is whole: the concatenation is what assembly would write.
    private static async Task ConcatenateAsync(IReadOnlyList<string> pieces, Stream target, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(target, leaveOpen: true) { NewLine = "\n" };
        for (var i = 0; i < pieces.Count; i++)
        {
            using var reader = new StreamReader(ResultsTable.PathIn(pieces[i]));
            var header = await reader.ReadLineAsync(cancellationToken);
            if (i == 0)
            {
                await writer.WriteLineAsync(header);
            }

            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                await writer.WriteLineAsync(line);
            }
        }
    }

    private static Conflict<string> NoLabels(JobOutput output) =>
        TypedResults.Conflict($"job {output.JobId} predicts no labels (an {output.Status.TaskName ?? "embed"} job): labels, label filters and score sorts need a zero-shot or classify job.");

    private static int Number(string name, string? text, int fallback, int min, int max, out string? problem)
    {
        problem = null;
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problem = string.Create(CultureInfo.InvariantCulture, $"{name} is a whole number from {min} to {max} (got '{text}').");
        return fallback;
    }
}
