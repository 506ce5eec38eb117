namespace ProtSt.Grains;

/// <summary>
/// A silo refused a call before doing any work: it exceeds a size limit, names a model folder outside the configured
/// roots, or lacks the cluster's API key. Retrying the same request cannot succeed.
/// </summary>
[GenerateSerializer]
public sealed class RequestRefusedException : Exception
{
    public RequestRefusedException()
    {
    }

    public RequestRefusedException(string message)
        : base(message)
    {
    }

    public RequestRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
