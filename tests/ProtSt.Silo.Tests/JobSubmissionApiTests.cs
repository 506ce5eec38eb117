using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ProtSt.Grains;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Silo.Tests;

/// <summary><c>POST /api/jobs</c>: a job submitted over HTTP runs in the cluster like <c>screen --detach</c>.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class JobSubmissionApiTests(SiloHostFixture fixture)
{
    [Fact]
    public async Task A_posted_job_runs_to_its_outputs_and_a_bad_one_is_refused_with_the_reason()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", string.Concat(SyntheticProteome.Records(30, seed: 5).Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var output = scratch.Combine("out");
        using var response = await fixture.Http.PostAsJsonAsync("/api/jobs", new { input, output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var jobId = accepted.RootElement.GetProperty("jobId").GetString()!;
        Assert.Equal($"/api/jobs/{jobId}", response.Headers.Location?.OriginalString);

        var job = fixture.Grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JobStatus status;
        while (!(status = (await job.GetStatusAsync())!).Final)
        {
            Assert.True(DateTime.UtcNow < deadline, "the posted job did not end within 2 minutes");
            await Task.Delay(100);
        }

        Assert.Equal(JobPhase.Completed, status.Phase);
        Assert.Equal(31, (await File.ReadAllLinesAsync(Path.Combine(output, "results.tsv"))).Length);

        using var relative = await fixture.Http.PostAsJsonAsync("/api/jobs", new { input = "in.fasta", output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);
        Assert.Contains("absolute paths", await relative.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var missing = await fixture.Http.PostAsJsonAsync("/api/jobs", new { input = scratch.Combine("none.fasta"), output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("input and output must be paths every silo sees", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, null, "priority must be between 1 and 1000 (got 0).")]
    [InlineData(1001, null, "priority must be between 1 and 1000 (got 1001).")]
    [InlineData(null, -1, "max_devices must be between 1 and 100000, or 0 for every device (got -1).")]
    [InlineData(null, null, "on_invalid is skip or fail")]
    public async Task A_bad_priority_device_limit_or_on_invalid_is_refused_with_the_reason(int? priority, int? maxDevices, string expected)
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", ">a\nMKV\n");

        // The snake_case fields bind: an on_invalid that is neither skip nor fail is refused, not ignored.
        var onInvalid = priority is null && maxDevices is null ? "sometimes" : null;
        using var response = await fixture.Http.PostAsJsonAsync(
            "/api/jobs", new { input, output = scratch.Combine("out"), model = fixture.ModelDirectory, priority, max_devices = maxDevices, on_invalid = onInvalid });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(scratch.Combine("out")));
    }
}
