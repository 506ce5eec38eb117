namespace ProtSt.Model.Tokenization;

/// <summary>A sequence cannot be tokenized: empty, an invalid character, a misplaced special token, or too long under <see cref="TruncationPolicy.Fail"/>.</summary>
public sealed class InvalidSequenceException : Exception
{
    public InvalidSequenceException(string message)
        : base(message)
    {
    }

    public InvalidSequenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidSequenceException()
    {
    }
}
