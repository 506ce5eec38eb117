namespace ProtSt.Grains.Inference;

/// <summary>What one call of the <see cref="BatchRouter"/> computed: a result per input sequence, in input order, and how many distinct sequences the devices ran.</summary>
public sealed record RoutedResult(IReadOnlyList<RoutedSequence> Sequences, int Distinct);
