using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Online;
using ProtSt.Grains.Security;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;

namespace ProtSt.Silo.Online;

/// <summary>
/// Online embeddings on the cluster's devices: <c>POST /v1/embeddings</c> (OpenAI's shape), <c>POST /embed</c>
/// (text-embeddings-inference's), <c>POST /v1/zero-shot</c> and <c>GET /v1/models</c>, and this host's online load for
/// the job view (<c>GET /api/online</c>). Every request goes through
/// <see cref="IEncoderGrain"/> to the devices (never a session in the web host), within the bounds of
/// <see cref="ServingOptions"/>.
/// </summary>
public static class OnlineApiEndpoints
{
    public static WebApplication MapOnlineApi(this WebApplication app)
    {
        app.MapGet("/v1/models", (OnlineModels models) =>
            TypedResults.Json(new ModelList("list", [.. models.Names.Select(n => new ModelItem(n, "model", 0, "protst"))])));
        app.MapPost("/v1/embeddings", (HttpContext context) => HandleAsync(context, "embeddings", openAi: true, EmbeddingsAsync));
        app.MapPost("/embed", (HttpContext context) => HandleAsync(context, "embed", openAi: false, EmbedAsync));
        app.MapPost("/v1/zero-shot", (HttpContext context) => HandleAsync(context, "zero-shot", openAi: true, ZeroShotAsync));

        // The job view's online panel; made now so that its gauges are on /metrics before the first request.
        var load = app.Services.GetRequiredService<OnlineLoad>();
        app.MapGet("/api/online", () => TypedResults.Json(load.Read()));
        return app;
    }

    // Reads the body, runs the endpoint, and answers a refusal in the endpoint's own error shape; every answer is counted.
    private static async Task HandleAsync(HttpContext context, string endpoint, bool openAi, Func<Call, Task<object>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var services = context.RequestServices;
        var serving = services.GetRequiredService<IOptions<ServingOptions>>().Value;
        var status = StatusCodes.Status200OK;
        try
        {
            var body = await OnlineBody.ReadAsync(context.Request, serving.MaxBodyBytes, context.RequestAborted);
            var answer = await run(new Call(body, services, serving, context.RequestAborted));
            await Results.Json(answer).ExecuteAsync(context);
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            status = refusal.Status;
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = serving.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            object error = openAi
                ? new { error = new { message = refusal.Message, type = refusal.Type, param = refusal.Param, code = refusal.Code } }
                : new { error = refusal.Message, error_type = refusal.TeiType };
            await Results.Json(error, statusCode: status).ExecuteAsync(context);
        }
        catch
        {
            status = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            services.GetRequiredService<OnlineMetrics>().Request(endpoint, status, Stopwatch.GetElapsedTime(started));
        }
    }

    // The user's errors the cluster reports (a refused call, a folder no device could open, no device at all): not bugs.
    private static OnlineRequestException? Refusal(Exception e) => e switch
    {
        OnlineRequestException online => online,
        RequestRefusedException or ModelFolderException => OnlineRequestException.BadRequest(e.Message.ReplaceLineEndings(" "), "invalid_model"),
        InvalidOperationException when e.Message.StartsWith("No device", StringComparison.Ordinal) =>
            new OnlineRequestException(StatusCodes.Status503ServiceUnavailable, e.Message, "no_device"),
        _ => null,
    };

    private static async Task<object> EmbeddingsAsync(Call call)
    {
        var (directory, name) = call.Model(call.Body.String("model"));
        var format = call.Body.String("encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw OnlineRequestException.BadRequest($"'encoding_format' must be 'float' or 'base64', not '{format}'.", "invalid_encoding_format", "encoding_format");
        }

        var inputType = call.Body.String("input_type") ?? "protein";
        if (inputType is not ("protein" or "text"))
        {
            throw OnlineRequestException.BadRequest($"'input_type' must be 'protein' or 'text', not '{inputType}'.", "invalid_input_type", "input_type");
        }

        var catalog = call.Services.GetRequiredService<ModelCatalog>();
        float[][] vectors;
        long tokens;
        if (inputType == "text")
        {
            var prompts = call.Prompts("input", call.Serving.MaxSequencesPerRequest, nameof(ServingOptions.MaxSequencesPerRequest));
            RequireTextTower(catalog, directory, name);
            var textTokenizer = catalog.TextTokenizer(directory);
            tokens = prompts.Sum(p => (long)textTokenizer.Encode(p).Length);
            using var lease = call.Admit(tokens);
            var text = await call.Encoder.EmbedTextAsync(new TextEmbeddingRequest(directory, prompts)).WaitAsync(call.Cancellation);
            vectors = [.. Enumerable.Range(0, text.Count).Select(i => text.Features.AsSpan(i * text.Width, text.Width).ToArray())];
        }
        else
        {
            var sequences = call.Sequences("input");
            using var lease = call.Admit(Estimate(sequences));
            var encoded = await call.EncodeAsync(directory, sequences, "input");
            var tokenizer = catalog.Tokenizer(directory);
            tokens = sequences.Sum(s => (long)tokenizer.Encode(EsmTokenizer.Normalize(s)).Length);
            vectors = [.. encoded.Select(e => e.Embedding!)];
        }

        var data = vectors.Select((v, i) => new EmbeddingItem("embedding", i, format == "base64" ? Convert.ToBase64String(MemoryMarshal.AsBytes(v.AsSpan())) : v)).ToList();
        return new EmbeddingsResponse("list", data, name, new EmbeddingsUsage(tokens, tokens));
    }

    // TEI's /embed answers bare vectors; unlike TEI it does not normalize unless asked, so the vectors are embed's.
    private static async Task<object> EmbedAsync(Call call)
    {
        var (directory, _) = call.Model(call.Body.String("model"));
        var normalize = call.Body.Boolean("normalize") ?? false;
        var sequences = call.Sequences("inputs");
        using var lease = call.Admit(Estimate(sequences));
        var encoded = await call.EncodeAsync(directory, sequences, "inputs");
        return encoded.Select(e => normalize ? Normalized(e.Embedding!) : e.Embedding!).ToList();
    }

    private static async Task<object> ZeroShotAsync(Call call)
    {
        var (directory, name) = call.Model(call.Body.String("model"));
        var sequences = call.Sequences("input");
        var labels = call.Prompts("labels", call.Serving.MaxLabelsPerRequest, nameof(ServingOptions.MaxLabelsPerRequest));
        var manifest = RequireTextTower(call.Services.GetRequiredService<ModelCatalog>(), directory, name);
        using var lease = call.Admit(Estimate(sequences) + labels.Sum(l => (long)l.Length));

        // The label prompts go to a device's urgent queue while the sequences wait for their batch.
        var text = call.Encoder.EmbedTextAsync(new TextEmbeddingRequest(directory, labels)).WaitAsync(call.Cancellation);
        var encoded = await call.EncodeAsync(directory, sequences, "input");
        var features = await text;
        var scorer = new ZeroShotScorer(features.Features, features.Count, features.Width, manifest.LogitScale!.Value);
        var data = encoded.Select((e, i) =>
        {
            var scores = scorer.Score(e.Head);
            return new ZeroShotItem(i, labels[ZeroShotScorer.ArgMax(scores)], scores, ZeroShotScorer.Softmax(scores));
        }).ToList();
        return new ZeroShotResponse("list", name, labels, data);
    }

    private static ModelManifest RequireTextTower(ModelCatalog catalog, string directory, string name)
    {
        var manifest = catalog.Folder(directory).Manifest;
        return manifest.Kind == ModelKind.ZeroShot
            ? manifest
            : throw OnlineRequestException.BadRequest($"Model '{name}' is a {manifest.Kind} model; text prompts and zero-shot need a ProtST zero-shot model (with a text tower).", "no_text_tower", "model");
    }

    // Residues plus the two special tokens each: what the request costs the devices, known before tokenizing.
    private static long Estimate(IReadOnlyList<string> sequences) => sequences.Sum(s => (long)s.Length + 2);

    private static float[] Normalized(float[] vector)
    {
        var norm = Math.Max(Math.Sqrt(vector.Sum(v => (double)v * v)), 1e-12);
        return [.. vector.Select(v => (float)(v / norm))];
    }

    /// <summary>One request's body and what its endpoint needs to answer it.</summary>
    private sealed record Call(OnlineBody Body, IServiceProvider Services, ServingOptions Serving, CancellationToken Cancellation)
    {
        public IEncoderGrain Encoder => Services.GetRequiredService<IGrainFactory>().GetGrain<IEncoderGrain>(0);

        public (string Directory, string Name) Model(string? model)
        {
            var models = Services.GetRequiredService<OnlineModels>();
            var directory = models.Resolve(model);

            // Left out (allowed when one name is configured): the answer names the one it used.
            return (directory, model ?? models.Names[0]);
        }

        public IReadOnlyList<string> Sequences(string field) =>
            Body.Strings(field, Serving.MaxSequencesPerRequest, Serving.MaxResiduesPerSequence, nameof(ServingOptions.MaxSequencesPerRequest), $"{ServingOptions.SectionName}:{nameof(ServingOptions.MaxResiduesPerSequence)}");

        public IReadOnlyList<string> Prompts(string field, int maxCount, string countOption) =>
            Body.Strings(field, maxCount, Services.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxPromptLength, countOption, $"{SecurityOptions.SectionName}:{nameof(SecurityOptions.MaxPromptLength)}");

        public IDisposable Admit(long tokens) => Services.GetRequiredService<OnlineAdmission>().Enter(tokens);

        // A sequence that is not a protein is the caller's error, named by its index; a device's failure is not.
        public async Task<IReadOnlyList<EncodedSequenceResult>> EncodeAsync(string directory, IReadOnlyList<string> sequences, string field)
        {
            var result = await Encoder.EncodeAsync(new EncodeRequest(directory, sequences)).WaitAsync(Cancellation);
            for (var i = 0; i < result.Sequences.Count; i++)
            {
                if (result.Sequences[i] is { Embedding: null } failed)
                {
                    throw failed.Error is { } error && !error.StartsWith("Device ", StringComparison.Ordinal)
                        ? OnlineRequestException.BadRequest($"'{field}[{i}]' is not a protein sequence: {error}", "invalid_sequence", field)
                        : new InvalidOperationException($"The devices failed on '{field}[{i}]': {failed.Error}");
                }
            }

            return result.Sequences;
        }
    }
}
