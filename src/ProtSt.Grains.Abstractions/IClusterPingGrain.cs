namespace ProtSt.Grains;

/// <summary>Answered by whichever silo receives the call (a stateless worker): a client's "is any silo there?" that does not depend on one grain's silo.</summary>
public interface IClusterPingGrain : IGrainWithIntegerKey
{
    Task PingAsync();
}
