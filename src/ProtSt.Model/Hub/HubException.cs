namespace ProtSt.Model.Hub;

/// <summary>A model could not be downloaded: unknown repository, node failure, or a file that does not verify.</summary>
public sealed class HubException : Exception
{
    public HubException(string message)
        : base(message)
    {
    }

    public HubException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HubException()
    {
    }
}
