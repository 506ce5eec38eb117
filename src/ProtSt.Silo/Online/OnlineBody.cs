using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ProtSt.Grains.Online;

namespace ProtSt.Silo.Online;

/// <summary>An online request's JSON body, read under the size bound, and its fields checked one by one with a message naming the field.</summary>
public sealed class OnlineBody(JsonElement root)
{
    /// <summary>Reads the body, refusing one over <paramref name="maxBytes"/> (413) or one that is not a JSON object (400).</summary>
    public static async Task<OnlineBody> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Our bound rules, not Kestrel's default (30 MB), and a chunked body is cut as it arrives.
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16_384];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxBytes);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw OnlineRequestException.BadRequest("The body must be a JSON object.", "invalid_body");
            }

            return new OnlineBody(document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw OnlineRequestException.BadRequest($"The body is not valid JSON: {e.Message}", "invalid_body");
        }
    }

    /// <summary>An optional string field; null when absent or JSON null.</summary>
    public string? String(string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw OnlineRequestException.BadRequest($"'{name}' must be a string.", "invalid_body", name)
        : null;

    /// <summary>An optional boolean field.</summary>
    public bool? Boolean(string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
        ? value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw OnlineRequestException.BadRequest($"'{name}' must be true or false.", "invalid_body", name)
        : null;

    /// <summary>
    /// A required field holding one string or an array of strings: at least one, at most <paramref name="maxCount"/>,
    /// none empty or longer than <paramref name="maxLength"/> characters.
    /// </summary>
    public IReadOnlyList<string> Strings(string name, int maxCount, int maxLength, string countOption, string lengthOption)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw OnlineRequestException.BadRequest($"'{name}' is required: a string or an array of strings.", "missing_input", name);
        }

        List<string> items = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => [.. value.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw OnlineRequestException.BadRequest($"'{name}[{i}]' must be a string.", "invalid_input", name))],
            _ => throw OnlineRequestException.BadRequest($"'{name}' must be a string or an array of strings.", "invalid_input", name),
        };
        if (items.Count == 0)
        {
            throw OnlineRequestException.BadRequest($"'{name}' is empty: give at least one.", "empty_input", name);
        }

        if (items.Count > maxCount)
        {
            throw OnlineRequestException.BadRequest($"'{name}' has {items.Count} items; at most {maxCount} ({ServingOptions.SectionName}:{countOption}).", "too_many_inputs", name);
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(items[i]))
            {
                throw OnlineRequestException.BadRequest($"'{name}[{i}]' is empty.", "empty_input", name);
            }

            if (items[i].Length > maxLength)
            {
                throw OnlineRequestException.BadRequest($"'{name}[{i}]' has {items[i].Length} characters; at most {maxLength} ({lengthOption}).", "input_too_long", name);
            }
        }

        return items;
    }

    private static OnlineRequestException TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {maxBytes} bytes ({ServingOptions.SectionName}:{nameof(ServingOptions.MaxBodyBytes)}).", "body_too_large");
}
