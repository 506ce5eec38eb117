namespace ProtSt.Pipeline;

/// <summary>One input protein: its id, raw sequence, where it was read (1-based line of its header or row), and its label when the input has one.</summary>
public sealed record SequenceRecord(string Id, string Sequence, string SourceFile, long Line, string? Label = null);
