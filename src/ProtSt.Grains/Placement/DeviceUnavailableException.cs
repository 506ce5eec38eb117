namespace ProtSt.Grains.Placement;

/// <summary>A device's silo is not in the cluster any more.</summary>
[GenerateSerializer]
public sealed class DeviceUnavailableException : Exception
{
    public DeviceUnavailableException()
    {
    }

    public DeviceUnavailableException(string message)
        : base(message)
    {
    }

    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
