namespace ProtSt.Grains.Tests;

/// <summary>Test classes in this collection share one 3-silo cluster.</summary>
[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
