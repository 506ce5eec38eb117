namespace ProtSt.Grains;

/// <summary>A job was refused because another job (<see cref="HolderJobId"/>) is writing its output folder now.</summary>
[GenerateSerializer]
public sealed class OutputFolderBusyException : Exception
{
    public OutputFolderBusyException()
    {
    }

    public OutputFolderBusyException(string message)
        : base(message)
    {
    }

    public OutputFolderBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OutputFolderBusyException(string message, string holderJobId)
        : base(message) => HolderJobId = holderJobId;

    /// <summary>The running job that holds the folder.</summary>
    [Id(0)]
    public string? HolderJobId { get; private set; }
}
