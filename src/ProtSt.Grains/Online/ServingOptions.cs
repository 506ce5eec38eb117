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
    /// How long the first request of a model whose devices are free waits for others to share its call; zero (the
    /// default) sends it at once. Batching needs no window: requests arriving while the model's calls occupy every
    /// device gather and go together when one returns (continuous batching, as TEI does).
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Padded tokens of one slice of a job batch: while online requests are about (see <see cref="JobSlicingAfterOnline"/>),
    /// a device runs a queued job batch in slices of at most this many tokens (at least one sequence each) and serves the
    /// online batches waiting between slices, so an online request waits for one slice, not for the whole batch. The
    /// outputs are the unsliced batch's. 512 tokens of ESM-2 8M are about 0.1–0.25 s on one CPU core; a GPU
    /// (32,768-token batches in well under a second) can take larger slices. 0 never slices.
    /// </summary>
    public int JobSliceTokens { get; set; } = 512;

    /// <summary>How long after an online batch reached a device its job batches are still sliced; the idle path is never sliced.</summary>
    public TimeSpan JobSlicingAfterOnline { get; set; } = TimeSpan.FromSeconds(10);

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
