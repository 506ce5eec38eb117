namespace ProtSt.Grains.Jobs;

/// <summary>One record of a shard as its grain computes it.</summary>
internal sealed record ShardRecord(string Id, string Sequence, string SourceFile, long Line);
