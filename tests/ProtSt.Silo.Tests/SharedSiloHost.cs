namespace ProtSt.Silo.Tests;

/// <summary>Test classes in this collection share one silo host.</summary>
[CollectionDefinition(Name)]
public sealed class SharedSiloHost : ICollectionFixture<SiloHostFixture>
{
    public const string Name = "silo host";
}
