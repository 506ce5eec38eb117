using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;
using ProtSt.Silo.Online;
using ProtSt.Testing;

namespace ProtSt.Silo.Tests;

/// <summary>
/// The online endpoints on the shared host: vectors equal a bare session's, OpenAI's and TEI's shapes, zero-shot equal
/// to ProtST's reference, every bound a clear 4xx, 429 past the concurrency bound, and online requests answered while
/// a screen runs on the same single device.
/// </summary>
[Collection(SharedSiloHost.Name)]
public sealed class OnlineApiTests(SiloHostFixture fixture)
{
    private const double Tolerance = 1e-5;

    private static readonly string[] Sequences =
    [
        "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWUAXB",
        "MSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGKLPVPWPTLVTTFSYGVQCFSRYPDHMKQHDFFKSAMPEGYVQERTIFF",
        "MALWMRLLPLLALLALWGPDPAAA",
    ];

    [Fact]
    public async Task Embeddings_and_embed_equal_a_bare_session_within_1e_5_as_floats_and_base64()
    {
        var reference = BareSession(fixture.ModelDirectory, Sequences);

        var openAi = await PostAsync("/v1/embeddings", new { model = SiloHostFixture.ModelName, input = Sequences });
        Assert.Equal(HttpStatusCode.OK, openAi.Status);
        Assert.Equal("list", (string?)openAi.Body["object"]);
        Assert.Equal(SiloHostFixture.ModelName, (string?)openAi.Body["model"]);
        var data = openAi.Body["data"]!.AsArray();
        Assert.Equal(Sequences.Length, data.Count);
        for (var i = 0; i < Sequences.Length; i++)
        {
            Assert.Equal(i, (int)data[i]!["index"]!);
            Assert.Equal("embedding", (string?)data[i]!["object"]);
            Assertions.Close(data[i]!["embedding"]!.Deserialize<float[]>(), reference[i], Tolerance, $"/v1/embeddings input[{i}]");
        }

        // Residues (the 'U', 'X', 'B' of the first one included) plus <cls> and <eos> per sequence.
        var tokens = Sequences.Sum(s => s.Length + 2);
        Assert.Equal(tokens, (int)openAi.Body["usage"]!["prompt_tokens"]!);
        Assert.Equal(tokens, (int)openAi.Body["usage"]!["total_tokens"]!);

        var base64 = await PostAsync("/v1/embeddings", new { model = fixture.ModelDirectory, input = Sequences[1], encoding_format = "base64" });
        Assert.Equal(HttpStatusCode.OK, base64.Status);
        var bytes = Convert.FromBase64String((string)base64.Body["data"]![0]!["embedding"]!);
        Assertions.Close(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes), reference[1], Tolerance, "base64 input");

        var tei = await fixture.Http.PostAsJsonAsync("/embed", new { inputs = Sequences, model = SiloHostFixture.ModelName });
        Assert.Equal(HttpStatusCode.OK, tei.StatusCode);
        var vectors = (await tei.Content.ReadFromJsonAsync<float[][]>())!;
        Assert.Equal(Sequences.Length, vectors.Length);
        for (var i = 0; i < Sequences.Length; i++)
        {
            Assertions.Close(vectors[i], reference[i], Tolerance, $"/embed inputs[{i}]");
        }

        var models = await fixture.Http.GetFromJsonAsync<JsonObject>("/v1/models");
        Assert.Equal([SiloHostFixture.ModelName, SiloHostFixture.ZeroShotModelName], models!["data"]!.AsArray().Select(m => (string)m!["id"]!));
    }

    [Fact]
    public async Task Zero_shot_and_text_prompts_equal_ProtSTs_reference()
    {
        var golden = ProtStGolden.Load("protst-tiny");
        var proteins = golden.Proteins[..3];
        var labels = golden.Prompts[..10];
        var answer = await PostAsync("/v1/zero-shot", new { model = SiloHostFixture.ZeroShotModelName, input = proteins, labels });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(labels, answer.Body["labels"]!.Deserialize<string[]>());
        var logits = golden.Tensor("logits");
        var predictions = golden.Int64("prediction");
        var data = answer.Body["data"]!.AsArray();
        for (var i = 0; i < proteins.Length; i++)
        {
            Assertions.Close(data[i]!["scores"]!.Deserialize<float[]>(), logits.AsSpan(i * 10, 10), 1e-4, $"zero-shot scores of protein {i}");
            Assert.Equal(labels[predictions[i]], (string?)data[i]!["label"]);
            Assert.Equal(1.0, data[i]!["probabilities"]!.Deserialize<float[]>()!.Sum(), 4);
        }

        var text = await PostAsync("/v1/embeddings", new { model = SiloHostFixture.ZeroShotModelName, input = labels[..2], input_type = "text" });
        Assert.Equal(HttpStatusCode.OK, text.Status);
        var features = golden.Tensor("text_feature");
        for (var i = 0; i < 2; i++)
        {
            Assertions.Close(text.Body["data"]![i]!["embedding"]!.Deserialize<float[]>(), features.AsSpan(i * 32, 32), 1e-4, $"text feature of prompt {i}");
        }
    }

    [Fact]
    public async Task Each_bound_and_bad_request_answers_a_4xx_with_a_message()
    {
        var bounds = fixture.Serving;
        var long_ = new string('A', bounds.MaxResiduesPerSequence + 1);
        var cases = new (string Path, string Body, HttpStatusCode Status, string Code, string Message)[]
        {
            ("/v1/embeddings", Json(new { model = "no-such-model", input = "MKT" }), HttpStatusCode.NotFound, "model_not_found", "Unknown model 'no-such-model'"),
            ("/v1/embeddings", Json(new { model = "/nowhere/model", input = "MKT" }), HttpStatusCode.NotFound, "model_not_found", "has no model folder"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = Array.Empty<string>() }), HttpStatusCode.BadRequest, "empty_input", "'input' is empty"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = "" }), HttpStatusCode.BadRequest, "empty_input", "'input[0]' is empty"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = new[] { "MKT", long_ } }), HttpStatusCode.BadRequest, "input_too_long", $"at most {bounds.MaxResiduesPerSequence}"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = Enumerable.Repeat("MKT", bounds.MaxSequencesPerRequest + 1) }), HttpStatusCode.BadRequest, "too_many_inputs", "MaxSequencesPerRequest"),
            ("/v1/embeddings", "{\"model\": \"demo\", \"input\": [", HttpStatusCode.BadRequest, "invalid_body", "not valid JSON"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = 42 }), HttpStatusCode.BadRequest, "invalid_input", "a string or an array of strings"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = "MKT*AYIAK" }), HttpStatusCode.BadRequest, "invalid_sequence", "'input[0]' is not a protein sequence"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = "MKT", encoding_format = "int8" }), HttpStatusCode.BadRequest, "invalid_encoding_format", "'float' or 'base64'"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = "a membrane protein", input_type = "text" }), HttpStatusCode.BadRequest, "no_text_tower", "zero-shot model"),
            ("/v1/embeddings", Json(new { input = "MKT" }), HttpStatusCode.BadRequest, "missing_model", "'model' is required"),
            ("/v1/embeddings", Json(new { model = SiloHostFixture.ModelName, input = new string('A', (int)bounds.MaxBodyBytes) }), HttpStatusCode.RequestEntityTooLarge, "body_too_large", "MaxBodyBytes"),
            ("/v1/zero-shot", Json(new { model = SiloHostFixture.ZeroShotModelName, input = "MKT" }), HttpStatusCode.BadRequest, "missing_input", "'labels' is required"),
        };
        foreach (var (path, body, status, code, message) in cases)
        {
            var answer = await PostRawAsync(path, body);
            Assert.True(status == answer.Status, $"{path} {body[..Math.Min(body.Length, 80)]}: {answer.Status} {answer.Body}");
            var error = answer.Body["error"]!;
            Assert.Equal(code, (string?)error["code"]);
            Assert.Contains(message, (string?)error["message"], StringComparison.Ordinal);
            Assert.NotNull((string?)error["type"]);
        }

        // Each refusal is counted by endpoint and status on /metrics.
        var metrics = PrometheusText.Parse(await fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Contains(metrics.Samples, s => s.Name == "protst_online_requests_total" && s.Labels.GetValueOrDefault("status") == "413" && s.Value >= 1);
        Assert.Contains(metrics.Samples, s => s.Name == "protst_online_requests_total" && s.Labels.GetValueOrDefault("status") == "404" && s.Labels.GetValueOrDefault("endpoint") == "embeddings");

        // TEI's own error shape on /embed.
        var tei = await PostRawAsync("/embed", Json(new { inputs = Array.Empty<string>(), model = SiloHostFixture.ModelName }));
        Assert.Equal(HttpStatusCode.BadRequest, tei.Status);
        Assert.Equal("Validation", (string?)tei.Body["error_type"]);
        Assert.Contains("'inputs' is empty", (string?)tei.Body["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_the_concurrency_bound_a_request_gets_429_with_retry_after()
    {
        var admission = fixture.Services.GetRequiredService<OnlineAdmission>();

        // Requests the host is answering: as many as the bound allows, held here instead of on a slow device.
        var held = Enumerable.Range(0, fixture.Serving.MaxConcurrentRequests).Select(_ => admission.Enter(10)).ToList();
        try
        {
            using var refused = await fixture.Http.PostAsync("/v1/embeddings", Content(Json(new { model = SiloHostFixture.ModelName, input = "MKT" })));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(fixture.Serving.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
            var error = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
            Assert.Contains("MaxConcurrentRequests", (string?)error["message"], StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(lease => lease.Dispose());
        }

        var admitted = await PostAsync("/v1/embeddings", new { model = SiloHostFixture.ModelName, input = "MKT" });
        Assert.Equal(HttpStatusCode.OK, admitted.Status);
    }

    [Fact]
    public async Task Online_requests_are_answered_while_a_screen_runs_on_the_same_device_and_the_screen_has_every_id_once()
    {
        var records = SyntheticProteome.Records(400, seed: 24);
        var ids = new List<string>();
        var screen = new JobDriver(fixture.Grains, new ScreenOptions { ShardSize = 100 }).RunAsync("online-beside-screen", fixture.ModelDirectory, records.ToAsyncEnumerable(), row =>
        {
            ids.Add(row.Id);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        var answered = 0;
        while (!screen.IsCompleted || answered < 3)
        {
            var answer = await PostAsync("/v1/embeddings", new { model = SiloHostFixture.ModelName, input = Sequences[answered % Sequences.Length] });
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Single(answer.Body["data"]!.AsArray());
            answered++;
        }

        var snapshot = await screen;
        Assert.True(snapshot.Completed);
        Assert.Equal(records.Select(r => r.Id), ids);
        Assert.Equal(records.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task The_job_views_online_panel_shows_the_hosts_request_rate_latency_percentiles_and_queues()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync("/v1/embeddings", new { model = SiloHostFixture.ModelName, input = Sequences[i] })).Status);
        }

        var load = (await fixture.Http.GetFromJsonAsync<OnlineLoadSnapshot>(new Uri("/api/online", UriKind.Relative), fixture.Json))!;
        Assert.True(load.Requests >= 3, $"{load.Requests} requests in the window");
        Assert.Equal(load.Requests / load.Window.TotalSeconds, load.RequestsPerSecond, 9);
        Assert.True(load.LatencyP50 > 0 && load.LatencyP99 >= load.LatencyP50, $"p50 {load.LatencyP50} s, p99 {load.LatencyP99} s");
        Assert.Equal(0, load.InFlight);
        Assert.Equal(0, load.Waiting);

        // The queues are the gauges /metrics exports; the page reads the same endpoint beside the jobs.
        var metrics = PrometheusText.Parse(await fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Contains(metrics.Samples, s => s.Name == "protst_online_in_flight" && s.Value == 0);
        Assert.Contains(metrics.Samples, s => s.Name == "protst_online_waiting" && s.Value == 0);
        Assert.Contains("id=\"online\"", await fixture.Http.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Contains("/api/online", await fixture.Http.GetStringAsync(new Uri("/view/jobs.js", UriKind.Relative)), StringComparison.Ordinal);
    }

    // Each sequence alone through a bare encoder session: what `protst embed` computes, with no cluster in the way.
    private static float[][] BareSession(string modelDirectory, IReadOnlyList<string> sequences)
    {
        using var session = EncoderSession.Open(modelDirectory, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        return [.. sequences.Select(s => session.Run(EncodedBatch.Create([tokenizer.Encode(s)], tokenizer.PadId)).PooledOf(0).ToArray())];
    }

    private static string Json(object body) => JsonSerializer.Serialize(body);

    private static StringContent Content(string body) => new(body, Encoding.UTF8, "application/json");

    private Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, object body) => PostRawAsync(path, Json(body));

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostRawAsync(string path, string body)
    {
        using var response = await fixture.Http.PostAsync(new Uri(path, UriKind.Relative), Content(body));
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }
}
