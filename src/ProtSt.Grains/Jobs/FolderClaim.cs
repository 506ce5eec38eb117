namespace ProtSt.Grains.Jobs;

/// <summary>An output folder held by a job, since when (a claim whose job never got listed as unfinished lapses).</summary>
[GenerateSerializer, Immutable]
public sealed record FolderClaim([property: Id(0)] string JobId, [property: Id(1)] DateTimeOffset ClaimedAt);
