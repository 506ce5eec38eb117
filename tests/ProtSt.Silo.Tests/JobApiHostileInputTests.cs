using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Silo.Tests;

/// <summary>
/// <c>/api/jobs</c> under hostile or mistaken input: every user error answers 400 with a line naming the field, never a
/// 500 with an empty body; nothing blocks on a pipe or reads a device; a job's state and error are readable and it can be
/// cancelled; one output folder holds one job's results.
/// </summary>
[Collection(SharedSiloHost.Name)]
public sealed class JobApiHostileInputTests(SiloHostFixture fixture)
{
    private static string Fasta(int count, int seed) => string.Concat(SyntheticProteome.Records(count, seed).Select(r => $">{r.Id}\n{r.Sequence}\n"));

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(object body)
    {
        using var response = await fixture.Http.PostAsJsonAsync("/api/jobs", body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, string Body)> PostRawAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await fixture.Http.PostAsync(new Uri("/api/jobs", UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> WaitForStateAsync(string jobId, params string[] states)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await fixture.Http.GetAsync(new Uri($"/api/jobs/{jobId}", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (job.TryGetProperty("state", out var state) && states.Contains(state.GetString()))
                {
                    return job;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} did not reach {string.Join(" or ", states)} within 2 minutes");
            await Task.Delay(100);
        }
    }

    private static string JobIdOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("jobId").GetString()!;

    [Fact]
    public async Task User_errors_answer_400_with_a_line_naming_the_field_and_create_nothing()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", ">a\nMKV\n");
        var file = scratch.Write("file.txt", "x");
        var output = scratch.Combine("out");
        var model = fixture.ModelDirectory;
        var cases = new (object Body, string Expected)[]
        {
            (new { input = scratch.Path, output, model }, "this is a folder"),
            (new { input, output = file, model }, "is a file"),
            (new { input, output = Path.Combine(file, "below"), model }, "is a file"),
            (new { input, output = "/dev/null", model }, "is a file"),
            (new { input, output, model = scratch.Combine("no-model") }, "no-model"),
            (new { input = input + "\0x", output, model }, "input holds a NUL character"),
            (new { input, output, model, labels = "labels.tsv" }, "labels must be an absolute path"),
            (new { input, output, model, labels = scratch.Combine("none.tsv") }, "labels file"),
            (new { input, output, model, prompt_template = new string('x', 5000) }, "prompt_template has 5000 characters; the limit is Security:MaxPromptLength"),
            (new { input, output = "/" + new string('o', 5000), model }, "output has 5001 characters; the limit is Security:MaxPathLength"),
            (new { input, output, model, task = "zero-shot" }, "--task zero-shot needs a ProtST zero-shot model"),
        };
        foreach (var (body, expected) in cases)
        {
            var (status, text) = await PostAsync(body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{expected}: {(int)status} '{text}'");
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("\"priority\": \"5\"", "field 'priority' has the wrong type")]
    [InlineData("\"onInvalid\": \"skip\"", "unknown field 'onInvalid'")]
    [InlineData("\"maxDevices\": 1", "unknown field 'maxDevices'")]
    [InlineData("\"overwrite\": \"yes\"", "field 'overwrite' has the wrong type")]
    public async Task A_field_of_the_wrong_type_or_an_unknown_one_is_named(string field, string expected)
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", ">a\nMKV\n");
        var json = $"{{\"input\": {JsonSerializer.Serialize(input)}, \"output\": {JsonSerializer.Serialize(scratch.Combine("out"))}, \"model\": {JsonSerializer.Serialize(fixture.ModelDirectory)}, {field}}}";
        var (status, text) = await PostRawAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_or_a_device_as_input_or_labels_is_refused_at_once()
    {
        using var scratch = new TempDirectory();
        var fifo = scratch.Combine("pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        var input = scratch.Write("in.fasta", ">a\nMKV\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var body in new object[]
        {
            new { input = fifo, output = scratch.Combine("o1"), model = fixture.ModelDirectory },
            new { input = "/dev/zero", output = scratch.Combine("o2"), model = fixture.ModelDirectory },
            new { input, output = scratch.Combine("o3"), model = fixture.ModelDirectory, labels = "/dev/zero" },
        })
        {
            using var response = await fixture.Http.PostAsJsonAsync("/api/jobs", body, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} '{text}'");
            Assert.Contains("pipe or device, not a regular file", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_failed_job_reads_as_failed_with_its_error_in_the_job_and_the_list()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", ">a\nMKV\nthis line is not a sequence: 12345\n");
        var (status, body) = await PostAsync(new { input, output = scratch.Combine("out"), model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var jobId = JobIdOf(body);
        var job = await WaitForStateAsync(jobId, "failed", "completed");
        Assert.Equal("failed", job.GetProperty("state").GetString());
        Assert.Contains("in.fasta", job.GetProperty("error").GetString(), StringComparison.Ordinal);

        var listed = (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == jobId);
        Assert.Equal("failed", listed.GetProperty("state").GetString());
        Assert.Equal(job.GetProperty("error").GetString(), listed.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_running_job_holds_its_folder_until_cancelled_over_http()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", Fasta(4000, seed: 11));
        var other = scratch.Write("other.fasta", Fasta(20, seed: 12));
        var output = scratch.Combine("out");
        var (status, body) = await PostAsync(new { input, output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var first = JobIdOf(body);

        // The Location answers at once, while the job plans.
        using (var located = await fixture.Http.GetAsync(new Uri($"/api/jobs/{first}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, located.StatusCode);
        }

        var (busy, busyBody) = await PostAsync(new { input = other, output, model = fixture.ModelDirectory, overwrite = true });
        Assert.Equal(HttpStatusCode.Conflict, busy);
        Assert.Contains($"in use by the running job {first}", busyBody, StringComparison.Ordinal);

        using var cancel = await fixture.Http.DeleteAsync(new Uri($"/api/jobs/{first}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await WaitForStateAsync(first, "cancelled", "completed", "failed")).GetProperty("state").GetString());

        using var unknown = await fixture.Http.DeleteAsync(new Uri("/api/jobs/screen-nobody", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_cancelled_jobs_folder_with_parts_is_left_for_resume_unless_overwritten()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", Fasta(10, seed: 17));
        var output = scratch.Combine("out");
        var part = Path.Combine(output, "parts", "shard-000000");
        Directory.CreateDirectory(part);
        await File.WriteAllTextAsync(Path.Combine(part, "rows"), "whole\n");
        new JobFolderRecord("screen-cancelled-earlier", "cancelled", fixture.ModelDirectory, string.Empty, "embed", input, null, 8, 0, null, null, null, DateTimeOffset.UtcNow).Write(output);
        var before = await File.ReadAllTextAsync(Path.Combine(output, JobFolderRecord.FileName));

        var (refused, refusedBody) = await PostAsync(new { input, output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("holds the finished parts of the cancelled job screen-cancelled-earlier; continue it with --resume", refusedBody, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(output, JobFolderRecord.FileName)));
        Assert.Equal("whole\n", await File.ReadAllTextAsync(Path.Combine(part, "rows")));

        var (replaced, replacedBody) = await PostAsync(new { input, output, model = fixture.ModelDirectory, overwrite = true });
        Assert.Equal(HttpStatusCode.Accepted, replaced);
        await WaitForStateAsync(JobIdOf(replacedBody), "completed");
    }

    [Fact]
    public async Task A_finished_jobs_folder_or_a_foreign_one_is_refused_unless_overwritten()
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", Fasta(30, seed: 13));
        var output = scratch.Combine("out");
        var (status, body) = await PostAsync(new { input, output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var first = JobIdOf(body);
        await WaitForStateAsync(first, "completed");
        var before = await File.ReadAllTextAsync(Path.Combine(output, "job.json"));

        var (again, againBody) = await PostAsync(new { input, output, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Contains($"holds the results of the finished job {first}", againBody, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(output, "job.json")));

        var (replaced, replacedBody) = await PostAsync(new { input, output, model = fixture.ModelDirectory, overwrite = true });
        Assert.Equal(HttpStatusCode.Accepted, replaced);
        await WaitForStateAsync(JobIdOf(replacedBody), "completed");

        // A folder that is no job's but holds work folders and results is left exactly as it was.
        var foreign = scratch.Combine("foreign");
        Directory.CreateDirectory(Path.Combine(foreign, "plan"));
        Directory.CreateDirectory(Path.Combine(foreign, "parts"));
        await File.WriteAllTextAsync(Path.Combine(foreign, "results.tsv"), "mine\n");
        var (refused, refusedBody) = await PostAsync(new { input, output = foreign, model = fixture.ModelDirectory });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("is not empty and is no job's", refusedBody, StringComparison.Ordinal);
        Assert.Equal(["parts", "plan", "results.tsv"], Directory.EnumerateFileSystemEntries(foreign).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("mine\n", await File.ReadAllTextAsync(Path.Combine(foreign, "results.tsv")));
    }
}
