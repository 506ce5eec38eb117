namespace ProtSt.Model.Configuration;

/// <summary>A model's config.json or manifest does not describe something this runtime can build or serve.</summary>
public sealed class ModelConfigException : Exception
{
    public ModelConfigException(string message)
        : base(message)
    {
    }

    public ModelConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelConfigException()
    {
    }
}
