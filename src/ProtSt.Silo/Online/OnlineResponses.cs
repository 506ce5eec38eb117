using System.Text.Json.Serialization;

namespace ProtSt.Silo.Online;

/// <summary>OpenAI's embeddings answer: one item per input, in order, and the tokens the inputs made.</summary>
public sealed record EmbeddingsResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<EmbeddingItem> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] EmbeddingsUsage Usage);

/// <summary>One input's vector: floats, or (<c>encoding_format: base64</c>) its little-endian float32 bytes in base64.</summary>
public sealed record EmbeddingItem(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] object Embedding);

/// <summary>Tokens of the inputs as the model's tokenizer makes them, special tokens included.</summary>
public sealed record EmbeddingsUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens);

/// <summary>The zero-shot answer: the labels, and per input the best label, the scores and their softmax.</summary>
public sealed record ZeroShotResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("data")] IReadOnlyList<ZeroShotItem> Data);

/// <summary>One input's zero-shot result: ProtST's scores (exp(logit_scale) × cosine) against each label, in the labels' order.</summary>
public sealed record ZeroShotItem(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("scores")] float[] Scores,
    [property: JsonPropertyName("probabilities")] float[] Probabilities);

/// <summary>GET /v1/models: the names of <c>Serving:Models</c>.</summary>
public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelItem> Data);

/// <summary>One configured model name.</summary>
public sealed record ModelItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);
