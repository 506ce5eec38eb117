namespace ProtSt.Grains.Hosting;

/// <summary>The grain storage holding jobs' durable progress: in memory on a single silo, Redis for clusters.</summary>
public static class JobStorage
{
    public const string Name = "protst";
}
