namespace ProtSt.Grains.Online;

/// <summary>
/// The online endpoints (<c>/v1/embeddings</c>, <c>/embed</c>, <c>/v1/zero-shot</c>): the model names they accept, the
/// dynamic batching window, and the bounds on one request and on the load in flight; bound from the <c>Serving</c>
/// configuration section (environment: <c>PROTST_Serving__Models__esm2</c>, <c>PROTST_Serving__BatchWindow</c>, ...).
/// </summary>
public sealed class ServingOptions
{
    public const string SectionName = "Serving";

    /// <summary>Model names callers may give as <c>model</c>, each mapped to a model folder (which must lie under Security:ModelRoots when roots are set).</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How long the first request of a model waits for others to share its device batch (dynamic batching, as TEI
    /// does); zero sends each request alone.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Sequences (or text prompts) in one request.</summary>
    public int MaxSequencesPerRequest { get; set; } = 64;

    /// <summary>Residues of one sequence, or characters of one prompt; a longer one is refused rather than truncated.</summary>
    public int MaxResiduesPerSequence { get; set; } = 4_096;

    /// <summary>Labels of one zero-shot request.</summary>
    public int MaxLabelsPerRequest { get; set; } = 64;

    /// <summary>Tokens (residues plus two per sequence) of all the requests this host is answering; a request past it gets 429.</summary>
    public int MaxTokensInFlight { get; set; } = 262_144;

    /// <summary>Requests this host answers at once; one more gets 429 with Retry-After, as TEI answers past its concurrency limit.</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Bytes of one request body; a larger one gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 1_048_576;

    /// <summary>The Retry-After a refused (429) request is given, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}
