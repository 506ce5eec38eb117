namespace ProtSt.Pipeline;

/// <summary>One input protein: its id, raw sequence, and where it was read (1-based line of its header or row).</summary>
public sealed record SequenceRecord(string Id, string Sequence, string SourceFile, long Line);
