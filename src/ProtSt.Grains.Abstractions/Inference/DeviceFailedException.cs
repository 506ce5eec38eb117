namespace ProtSt.Grains;

/// <summary>
/// A device's computation failed on a batch (an ONNX Runtime error, out of memory), as opposed to the call failing
/// (a dead silo, a timeout): the shard splits such a batch rather than only moving it.
/// </summary>
[GenerateSerializer]
public sealed class DeviceFailedException : Exception
{
    public DeviceFailedException()
    {
    }

    public DeviceFailedException(string message)
        : base(message)
    {
    }

    public DeviceFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
