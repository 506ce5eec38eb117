namespace ProtSt.Pipeline;

/// <summary>A problem with one place in an input file, reported as <c>file:line: [id] message</c>.</summary>
public sealed record InputProblem(string SourceFile, long Line, string? Id, string Message)
{
    public override string ToString() => Id is null ? $"{SourceFile}:{Line}: {Message}" : $"{SourceFile}:{Line}: {Id}: {Message}";
}
