using ProtSt.Pipeline;

namespace ProtSt.Grains.Security;

/// <summary>
/// Who may use a silo and how much one call may ask of it; bound from the <c>Security</c> configuration section
/// (environment: <c>PROTST_Security__ApiKey</c>, <c>PROTST_Security__ModelRoots__0</c>, <c>PROTST_Security__DataRoots__0</c>, ...).
/// </summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>The option's name as it appears in error messages.</summary>
    public const string ApiKeyName = "Security:ApiKey";

    public const string ApiKeyEnvironmentName = "PROTST_Security__ApiKey";

    public const string ModelRootsName = "Security:ModelRoots";

    public const string DataRootsName = "Security:DataRoots";

    /// <summary>
    /// The key HTTP callers and cluster clients present. Required when the host listens beyond loopback; when set,
    /// silos also refuse grain calls that do not carry it. Null or empty: none.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Folders silos may open model folders from (symlinks resolved); empty: any folder, allowed only on loopback hosts.</summary>
    public List<string> ModelRoots { get; set; } = [];

    /// <summary>
    /// Folders a job's input, labels and output must lie under (symlinks resolved); empty: anywhere the silo process can
    /// read and write, allowed only on loopback hosts.
    /// </summary>
    public List<string> DataRoots { get; set; } = [];

    /// <summary>Bytes of a zero-shot labels file: read whole on the silo that plans the job.</summary>
    public long MaxLabelsFileBytes { get; set; } = 16 << 20;

    /// <summary>Characters of a path a job names (input, output, model, labels); Linux's own limit is 4,096 bytes.</summary>
    public int MaxPathLength { get; set; } = 4_096;

    /// <summary>Records in one shard request (the pipeline sends 256 by default).</summary>
    public int MaxRecordsPerShard { get; set; } = 65_536;

    /// <summary>
    /// Characters of one record's sequence (titin, the longest known protein, has about 35,000 residues). The CLI's
    /// readers refuse a longer record while reading it (<see cref="InputLimits"/>); a silo checks again.
    /// </summary>
    public int MaxSequenceResidues { get; set; } = InputLimits.Default.MaxSequenceResidues;

    /// <summary>Characters of a record id or a job id; refused by the CLI's readers too.</summary>
    public int MaxIdLength { get; set; } = InputLimits.Default.MaxIdLength;

    /// <summary>Labels (and so prompts) of one zero-shot job.</summary>
    public int MaxLabels { get; set; } = 4_096;

    /// <summary>Width of one label feature vector (ProtST's is 512).</summary>
    public int MaxLabelFeatureWidth { get; set; } = 8_192;

    /// <summary>Characters of one text prompt.</summary>
    public int MaxPromptLength { get; set; } = 4_096;

    /// <summary>Proteins one search of a job's results may return (<c>k</c> of <c>/api/jobs/{id}/search</c>).</summary>
    public int MaxSearchResults { get; set; } = 1_000;

    /// <summary>A shard's token budget per batch (the pipeline uses 4,096).</summary>
    public int MaxTokensPerBatch { get; set; } = 1_048_576;

    /// <summary>Sequences in one batch, whether planned by a shard or sent to a device (the pipeline uses 256).</summary>
    public int MaxBatchSize { get; set; } = 65_536;

    /// <summary>The record limits the input readers apply, so a record a silo would refuse is refused, with its file and line, before it is sent.</summary>
    public InputLimits InputLimits => new(MaxSequenceResidues, MaxIdLength);

    /// <summary>True when an API key is configured.</summary>
    public bool HasApiKey => !string.IsNullOrWhiteSpace(ApiKey);
}
