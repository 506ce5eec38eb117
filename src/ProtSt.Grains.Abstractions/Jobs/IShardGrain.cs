namespace ProtSt.Grains;

/// <summary>One shard of a submitted job: tokenizes, deduplicates, batches and routes its records to devices, and writes its part.</summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Computes one shard of a submitted job from its planned records file and writes its part; returns what the part holds.</summary>
    Task<PartResult> WritePartAsync(PartRequest request, CancellationToken cancellationToken = default);

    /// <summary>The parsable address of the silo this shard runs on, so the client can tell when that silo dies.</summary>
    Task<string> LocateAsync();
}
