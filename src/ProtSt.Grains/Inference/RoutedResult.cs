namespace ProtSt.Grains.Inference;

/// <summary>
/// What one call of the <see cref="BatchRouter"/> computed: a result per input sequence, in input order, how many
/// distinct sequences the devices ran, and the devices' computing time summed over its batches (the rest of a call's
/// time was spent waiting: in the devices' queues and on the way).
/// </summary>
public sealed record RoutedResult(IReadOnlyList<RoutedSequence> Sequences, int Distinct, TimeSpan DeviceBusy = default);
