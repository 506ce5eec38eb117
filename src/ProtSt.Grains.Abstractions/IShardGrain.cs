namespace ProtSt.Grains;

/// <summary>A slice of a job's input: tokenizes, deduplicates, batches and routes it to devices, and returns one row per record.</summary>
public interface IShardGrain : IGrainWithStringKey
{
    Task<ShardResult> ProcessAsync(ShardRequest request);
}
