namespace ProtSt.Pipeline;

/// <summary>Input that cannot be used, naming the file and line.</summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(InputProblem problem)
        : base(problem.ToString()) => Problem = problem;

    public InvalidInputException(InputProblem problem, Exception innerException)
        : base(problem.ToString(), innerException) => Problem = problem;

    public InvalidInputException()
        : this(new InputProblem(string.Empty, 0, null, "invalid input"))
    {
    }

    public InvalidInputException(string message)
        : this(new InputProblem(string.Empty, 0, null, message))
    {
    }

    public InvalidInputException(string message, Exception innerException)
        : this(new InputProblem(string.Empty, 0, null, message), innerException)
    {
    }

    public InputProblem Problem { get; }
}
