namespace ProtSt.Pipeline;

/// <summary>A problem with one place in an input file, reported as <c>file:line: [id] message</c> (line 0: the whole file, <c>file: message</c>).</summary>
public sealed record InputProblem(string SourceFile, long Line, string? Id, string Message)
{
    public override string ToString()
    {
        var place = Line > 0 ? $"{SourceFile}:{Line}" : SourceFile;
        return Id is null ? $"{place}: {Message}" : $"{place}: {Id}: {Message}";
    }
}
