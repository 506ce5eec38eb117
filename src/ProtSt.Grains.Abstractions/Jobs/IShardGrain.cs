namespace ProtSt.Grains;

/// <summary>A slice of a job's input: tokenizes, deduplicates, batches and routes it to devices, and returns one row per record.</summary>
public interface IShardGrain : IGrainWithStringKey
{
    Task<ShardResult> ProcessAsync(ShardRequest request, CancellationToken cancellationToken = default);

    /// <summary>Computes one shard of a submitted job from its planned records file and writes its part; returns what the part holds.</summary>
    Task<PartResult> WritePartAsync(PartRequest request, CancellationToken cancellationToken = default);

    /// <summary>The parsable address of the silo this shard runs on, so the client can tell when that silo dies.</summary>
    Task<string> LocateAsync();
}
