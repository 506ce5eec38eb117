namespace ProtSt.Client;

/// <summary>
/// A client could not reach the cluster: its membership store (Redis) does not answer, or no silo listed there
/// accepts a connection. The user's setup or a lost service, not a bug: the CLI reports it as one <c>error:</c> line.
/// </summary>
public sealed class ClusterUnavailableException : Exception
{
    public ClusterUnavailableException()
    {
    }

    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    public ClusterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
