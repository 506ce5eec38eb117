namespace ProtSt.Grains;

/// <summary>How a finished job leaves its output: parts assembled into results.tsv, failures.tsv and embeddings.parquet, or the parts kept as a dataset.</summary>
public enum OutputLayout
{
    Assembled,
    Parts,
}
