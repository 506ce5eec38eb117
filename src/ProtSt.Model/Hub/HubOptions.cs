namespace ProtSt.Model.Hub;

/// <summary>Where and as whom to download models; <c>HF_ENDPOINT</c> and <c>HF_TOKEN</c> are honoured as the Hugging Face tools do.</summary>
public sealed record HubOptions
{
    public const string SectionName = "Hub";

    public string Endpoint { get; init; } = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : "https://huggingface.co";

    public string? Token { get; init; } = Environment.GetEnvironmentVariable("HF_TOKEN");

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
}
