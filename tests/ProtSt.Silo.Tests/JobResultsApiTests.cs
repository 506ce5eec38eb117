using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Silo.Api;
using ProtSt.Silo.JobOutputs;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Tests;

/// <summary>
/// What a job found, through /api/jobs/{id}/labels, /results, /map and /search: read from the job's output folder by
/// the silo, equal in the assembled and the parts layout, and the search equal to ProtST's reference scores.
/// </summary>
[Collection(SharedSiloHost.Name)]
public sealed class JobResultsApiTests(SiloHostFixture fixture) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TempDirectory _scratch = new();

    [Fact]
    public async Task Labels_results_map_and_search_of_a_zero_shot_job_agree_with_its_files_in_both_layouts()
    {
        var (golden, model, input, labels, records) = PostedJobs.ZeroShotScreen(_scratch);
        // Parts of 16 rows (three a job), so a page, a sort and the map span parts.
        var assembled = await PostedJobs.ZeroShotAsync(fixture, _scratch, input, model, labels, OutputLayout.Assembled, shardSize: 16);
        var parts = await PostedJobs.ZeroShotAsync(fixture, _scratch, input, model, labels, OutputLayout.Parts, shardSize: 16);

        var rows = (await File.ReadAllLinesAsync(Path.Combine(assembled.Output, "results.tsv")))[1..].Select(l => l.Split('\t')).ToList();
        Assert.Equal(records, rows.Count);

        // Each shard indexed its part and assembly the whole table: the silo pages from the indexes.
        Assert.NotNull(ResultsIndex.TryOpen(assembled.Output));
        Assert.All(Directory.GetDirectories(Path.Combine(parts.Output, "parts"), "shard-*"), part => Assert.NotNull(ResultsIndex.TryOpen(part)));
        foreach (var job in new[] { assembled.Id, parts.Id })
        {
            // Labels: one per label in the job's order, counts as in results.tsv.
            var counts = await Json<List<LabelDto>>($"/api/jobs/{job}/labels");
            Assert.Equal(golden.Prompts[..10], counts.Select(c => c.Label));
            Assert.Equal(golden.Prompts[..10].Select(p => (long)rows.Count(r => r[3] == p)), counts.Select(c => c.Count));

            // Results: a page in file order, then one label's rows by descending score, then an id filter.
            var page = await Json<PageDto>($"/api/jobs/{job}/results?offset=3&limit=4");
            Assert.Equal((records, records), (page.Rows, page.Total));
            Assert.Equal(rows[3..7].Select(r => r[0]), page.Items.Select(i => i.Id));
            Assert.Equal(rows[3..7].Select(r => float.Parse(r[4], CultureInfo.InvariantCulture)), page.Items.Select(i => i.Scores![0]));
            var top = counts.MaxBy(c => c.Count)!;
            var ofLabel = await Json<PageDto>($"/api/jobs/{job}/results?label={Uri.EscapeDataString(top.Label)}&sort=-score&limit=1000");
            Assert.Equal(top.Count, ofLabel.Total);
            var expected = rows.Where(r => r[3] == top.Label).Select(r => float.Parse(r[4 + Array.IndexOf(golden.Prompts, top.Label)], CultureInfo.InvariantCulture)).OrderDescending();
            Assert.Equal(expected, ofLabel.Items.Select(i => i.Scores![Array.IndexOf(golden.Prompts, top.Label)]));
            Assert.All(ofLabel.Items, i => Assert.Equal(top.Label, i.Label));
            var byId = await Json<PageDto>($"/api/jobs/{job}/results?match=GOLDEN&sort=-id");
            Assert.Equal(Enumerable.Range(0, golden.Proteins.Length).Reverse().Select(i => $"golden{i}"), byId.Items.Select(i => i.Id));

            // The map: one point per protein, with its label and score; a sample of every k-th beyond max.
            var map = await Json<List<PointDto>>($"/api/jobs/{job}/map");
            Assert.Equal(rows.Select(r => (r[0], r[3])), map.Select(p => (p.Id, p.Label!)));
            Assert.Contains(map, p => p.X != 0 || p.Y != 0);
            using var sample = await fixture.Http.GetAsync($"/api/jobs/{job}/map?max=10");
            var sampled = (await sample.Content.ReadFromJsonAsync<List<PointDto>>(fixture.Json))!;
            Assert.Equal(rows.Where((_, i) => i % 4 == 0).Select(r => r[0]), sampled.Select(p => p.Id));
            Assert.Equal(["40"], sample.Headers.GetValues("X-Total-Count"));
            Assert.Equal(["4"], sample.Headers.GetValues("X-Map-Stride"));

            // Search: every protein ranked by its score for the query, the golden ones at ProtST's reference scores.
            var hits = await Json<List<HitDto>>($"/api/jobs/{job}/search?q={Uri.EscapeDataString(golden.Prompts[10])}&k={records}");
            Assert.Equal(records, hits.Count);
            Assert.Equal(hits.Select(h => h.Score).OrderDescending(), hits.Select(h => h.Score));
            var all = golden.Tensor("logits_all");
            for (var i = 0; i < golden.Proteins.Length; i++)
            {
                Assert.Equal(all[(i * 12) + 10], hits.Single(h => h.Id == $"golden{i}").Score, Tolerance);
            }
        }

        // The same map from both layouts: the parts are the assembled file's rows.
        var assembledMap = await Json<List<PointDto>>($"/api/jobs/{assembled.Id}/map");
        Assert.Equal(assembledMap, await Json<List<PointDto>>($"/api/jobs/{parts.Id}/map"));

        // Its axes are those of the sketches the shards wrote as their parts finished (assembly kept their sum).
        var sketches = new List<MapSketch?>();
        foreach (var part in Directory.GetDirectories(Path.Combine(parts.Output, "parts"), "shard-*").Order(StringComparer.Ordinal))
        {
            sketches.Add(await MapSketch.TryReadAsync(part, CancellationToken.None));
        }

        Assert.All(sketches, s => Assert.True(s is { Count: > 0 }));
        Assert.True(File.Exists(MapSketch.PathIn(assembled.Output)));
        var (mean, first, second) = MapSketch.Combine(sketches)!.Axes();
        var drawn = 0;
        await foreach (var row in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(assembled.Output), withFeature: false, CancellationToken.None))
        {
            var (x, y) = PcaAccumulator.Project(row.Embedding, mean, first, second);
            var point = assembledMap[drawn++];
            Assert.Equal(row.Id, point.Id);
            Assert.Equal(x, point.X, 1e-9);
            Assert.Equal(y, point.Y, 1e-9);
        }

        Assert.Equal(records, drawn);

        // The finished parts job's coordinator also wrote the parts' sketches' sum beside its index of the parts: a silo
        // that has not read the job takes the axes from that one file, even with every part's own sketch gone.
        var partsDirectory = Path.Combine(parts.Output, "parts");
        Assert.Equal(records, (await MapSketch.TryReadAsync(partsDirectory, CancellationToken.None))!.Count);
        foreach (var part in Directory.GetDirectories(partsDirectory, "shard-*"))
        {
            File.Delete(MapSketch.PathIn(part));
        }

        var output = (await JobOutput.FindAsync(fixture.Services.GetRequiredService<JobReader>(), parts.Id, CancellationToken.None))!;
        var fromWhole = await new JobResultsCache(Options.Create(new MonitoringOptions())).MapAsync(output, 100_000, CancellationToken.None);
        Assert.Equal(assembledMap.Count, fromWhole.Points.Count);
        foreach (var (expected, point) in assembledMap.Zip(fromWhole.Points))
        {
            Assert.Equal(expected.Id, point.Id);
            Assert.Equal(expected.X, point.X, 1e-9);
            Assert.Equal(expected.Y, point.Y, 1e-9);
        }

        // A job whose parts have no sketch (written before them) gets its map from its embeddings, on a silo that has
        // not read it: the same points, on the axes of an exact PCA, whose plane the sketch's keeps within its stated
        // tolerance (at least 99% of the variance) on this model's real embeddings.
        File.Delete(MapSketch.PathIn(partsDirectory));
        var folded = await new JobResultsCache(Options.Create(new MonitoringOptions())).MapAsync(output, 100_000, CancellationToken.None);
        Assert.Equal(assembledMap.Select(p => (p.Id, p.Label)), folded.Points.Select(p => (p.Id, p.Label)));
        var kept = assembledMap.Sum(p => (p.X * p.X) + (p.Y * p.Y)) / folded.Points.Sum(p => (p.X * p.X) + (p.Y * p.Y));
        Assert.InRange(kept, 0.99, 1 + 1e-6);

        // The coordinator of the finished parts job wrote one index of all its parts: a silo that has not read the job
        // opens that file, not each part's index; once a part changes under it, the parts' own indexes answer.
        var cold = await new JobResultsCache(Options.Create(new MonitoringOptions())).RowsAsync(output, CancellationToken.None);
        Assert.Equal(3, output.Pieces.Count);
        Assert.All(cold.Pieces, p => Assert.Equal(output.Pieces, p.Index!.Directories));
        var firstPart = ResultsTable.PathIn(output.Pieces[0]);
        var lines = await File.ReadAllLinesAsync(firstPart);
        lines[1] = lines[1].Replace(rows[0][0] + "\t", rows[0][0] + "-edited\t", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(firstPart, lines);
        await ResultsIndex.WriteAsync(output.Pieces[0], CancellationToken.None);
        var stale = await new JobResultsCache(Options.Create(new MonitoringOptions())).RowsAsync(output, CancellationToken.None);
        Assert.All(stale.Pieces, p => Assert.Equal([p.Directory], p.Index!.Directories));
        Assert.Equal(rows[0][0] + "-edited", stale.Page(ResultsSort.Default, -1, null, 0, 1).Items.Single().Id);
        Assert.Equal(rows[1][0], stale.Page(ResultsSort.Default, -1, null, 1, 1).Items.Single().Id);
        Assert.True(File.Exists(ResultsIndex.PathIn(partsDirectory)));
    }

    [Fact]
    public async Task The_map_of_a_running_job_shows_the_points_of_the_parts_it_has_finished()
    {
        // 16 parts of 8 proteins, one shard at a time: the job publishes its parts one after another.
        var records = SyntheticProteome.Records(128, seed: 31);
        var input = _scratch.Write("live.fasta", string.Concat(records.Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var (id, _) = await PostedJobs.StartAsync(fixture, _scratch, input, fixture.ModelDirectory, null, OutputLayout.Assembled, shardSize: 8, maxShardsInFlight: 1);

        // Asked at once (most likely before any part: no points), then as soon as the first parts are there: a running
        // job's map is held for MapRefreshInterval (10 s), but not an empty one.
        using (var early = await fixture.Http.GetAsync($"/api/jobs/{id}/map"))
        {
            Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await Json<PageDto>($"/api/jobs/{id}/results?limit=1")).Rows == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {id} published no part within a minute");
            await Task.Delay(20);
        }

        using var response = await fixture.Http.GetAsync($"/api/jobs/{id}/map");
        var points = (await response.Content.ReadFromJsonAsync<List<PointDto>>(fixture.Json))!;
        var rows = int.Parse(response.Headers.GetValues(JobResultsEndpoints.TotalHeader).Single(), CultureInfo.InvariantCulture);

        // Points of the finished parts' proteins only, each once: fewer rows than the job's, so drawn before it ended.
        Assert.InRange(rows, 8, records.Count - 8);
        Assert.Equal(rows, points.Count);
        Assert.Subset(records.Select(r => r.Id).ToHashSet(), points.Select(p => p.Id).ToHashSet());
        Assert.Equal(rows, points.Select(p => p.Id).Distinct().Count());
        Assert.Contains(points, p => p.X != 0 || p.Y != 0);
        await PostedJobs.WaitAsync(fixture, id);
    }

    [Fact]
    public async Task An_embed_job_an_unknown_job_and_bad_parameters_are_refused_with_the_reason()
    {
        var input = _scratch.Write("in.fasta", string.Concat(SyntheticProteome.Records(6, seed: 3).Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var embed = await RunAsync(input, fixture.ModelDirectory, null, "assembled");

        await Refused(HttpStatusCode.Conflict, $"/api/jobs/{embed.Id}/labels", "predicts no labels");
        await Refused(HttpStatusCode.Conflict, $"/api/jobs/{embed.Id}/search?q=membrane", "needs the text tower");
        await Refused(HttpStatusCode.Conflict, $"/api/jobs/{embed.Id}/results?sort=-score", "predicts no labels");
        await Refused(HttpStatusCode.NotFound, "/api/jobs/screen-none/labels", "no job 'screen-none'");
        await Refused(HttpStatusCode.BadRequest, $"/api/jobs/{embed.Id}/results?limit=0", "limit is a whole number from 1 to 1000");
        await Refused(HttpStatusCode.BadRequest, $"/api/jobs/{embed.Id}/results?sort=weight", "sort is one of record, id, length, label, score");
        await Refused(HttpStatusCode.BadRequest, $"/api/jobs/{embed.Id}/map?max=-1", "max is a whole number");
        await Refused(HttpStatusCode.BadRequest, $"/api/jobs/{embed.Id}/search?q=x&k=100000", "k is a whole number from 1 to 1000");

        // An embed job still has a map, without labels, and pages of its rows.
        var map = await Json<List<PointDto>>($"/api/jobs/{embed.Id}/map");
        Assert.Equal(6, map.Count);
        Assert.All(map, p => Assert.Null(p.Label));
        Assert.Equal(6, (await Json<PageDto>($"/api/jobs/{embed.Id}/results")).Items.Count);
    }

    public void Dispose() => _scratch.Dispose();

    private async Task Refused(HttpStatusCode status, string path, string reason)
    {
        using var response = await fixture.Http.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<T> Json<T>(string path) => (await fixture.Http.GetFromJsonAsync<T>(path, fixture.Json))!;

    private Task<(string Id, string Output)> RunAsync(string input, string model, string? labels, string layout) =>
        PostedJobs.RunAsync(fixture, _scratch, input, model, labels, layout);

    private sealed record LabelDto(string Label, long Count);

    private sealed record ItemDto(int Record, string Id, int Length, bool Truncated, string? Label, float[]? Scores);

    private sealed record PageDto(int Rows, int Total, int Offset, int Limit, List<ItemDto> Items);

    private sealed record PointDto(string Id, double X, double Y, string? Label, float? Score);

    private sealed record HitDto(string Id, float Score);
}
