namespace ProtSt.Model.Folders;

/// <summary>A model folder cannot give an output that was asked of it (contacts without a contact head, a folder converted without its extraction graph); the message is one line for the user.</summary>
public sealed class UnsupportedOutputException : Exception
{
    public UnsupportedOutputException(string message)
        : base(message)
    {
    }

    public UnsupportedOutputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UnsupportedOutputException()
    {
    }
}
