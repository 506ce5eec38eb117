namespace ProtSt.Grains.Hosting;

/// <summary>Somewhere to submit jobs: an embedded silo, or a client of a running cluster.</summary>
public interface IClusterConnection : IAsyncDisposable
{
    IGrainFactory Grains { get; }

    /// <summary>What the connection is, for the user (e.g. "embedded silo" or the Redis address).</summary>
    string Description { get; }
}
