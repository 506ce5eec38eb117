namespace ProtSt.Grains;

/// <summary>
/// Every registered silo's device count and the token budget its devices plan batches under (both unfiltered), and the
/// directory's version: it changes with every registration
/// that changes the list and with every new activation of the directory, so a cache asks for the list only when it changed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceDirectoryListing(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyDictionary<string, int> DevicesBySilo,
    [property: Id(2)] IReadOnlyDictionary<string, int>? TokensPerBatchBySilo = null);
