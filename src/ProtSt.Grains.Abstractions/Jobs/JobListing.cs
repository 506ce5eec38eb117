namespace ProtSt.Grains;

/// <summary>A job in the registry: what it screens, when it started, and its final figures once it is done.</summary>
[GenerateSerializer, Immutable]
public sealed record JobListing(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Input,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] JobSnapshot? Final);
