namespace ProtSt.Model.Hub;

/// <summary>Where and as whom to download models and datasets; <c>HF_ENDPOINT</c> and <c>HF_TOKEN</c> are honoured as the Hugging Face tools do.</summary>
public sealed record HubOptions
{
    public const string SectionName = "Hub";

    public string Endpoint { get; init; } = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : "https://huggingface.co";

    /// <summary>Sent as a bearer token to the hub's own host only, never to a storage host a redirect points to.</summary>
    public string? Token { get; init; } = Environment.GetEnvironmentVariable("HF_TOKEN");

    /// <summary>How long a request may take to answer with its headers.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a file's body may go without a byte before the transfer counts as failed and is resumed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Tries per request (and per file transfer) before a 5xx, a timeout or a cut connection is reported.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait before the second try; it doubles for each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
