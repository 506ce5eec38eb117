namespace ProtSt.Model.Checkpoints;

/// <summary>A checkpoint file is malformed, truncated, or uses something the reader refuses to interpret.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CheckpointFormatException()
    {
    }
}
