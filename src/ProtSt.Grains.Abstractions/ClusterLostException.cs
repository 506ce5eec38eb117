namespace ProtSt.Grains;

/// <summary>No silo of the cluster answered a following client for long enough: a lost service, reported in one line.</summary>
public sealed class ClusterLostException : InvalidOperationException
{
    public ClusterLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ClusterLostException()
    {
    }

    public ClusterLostException(string message)
        : base(message)
    {
    }
}
