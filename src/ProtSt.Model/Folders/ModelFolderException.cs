namespace ProtSt.Model.Folders;

/// <summary>A converted model folder is missing a file, was changed after conversion, or does not fit this runtime.</summary>
public sealed class ModelFolderException : Exception
{
    public ModelFolderException(string message)
        : base(message)
    {
    }

    public ModelFolderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelFolderException()
    {
    }
}
