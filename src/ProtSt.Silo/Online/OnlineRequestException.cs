using Microsoft.AspNetCore.Http;

namespace ProtSt.Silo.Online;

/// <summary>A request the online endpoints refuse: its HTTP status, a one-line message, and OpenAI's error code and parameter.</summary>
public sealed class OnlineRequestException(int status, string message, string code, string? param = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string? Param { get; } = param;

    public static OnlineRequestException BadRequest(string message, string code, string? param = null) => new(StatusCodes.Status400BadRequest, message, code, param);

    public static OnlineRequestException UnknownModel(string message) => new(StatusCodes.Status404NotFound, message, "model_not_found", "model");

    /// <summary>OpenAI's <c>type</c> for this status.</summary>
    public string Type => Status switch
    {
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status403Forbidden => "permission_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>text-embeddings-inference's <c>error_type</c> for this status.</summary>
    public string TeiType => Status switch
    {
        StatusCodes.Status429TooManyRequests => "Overloaded",
        StatusCodes.Status413PayloadTooLarge => "Validation",
        >= 500 => "Backend",
        _ => "Validation",
    };
}
