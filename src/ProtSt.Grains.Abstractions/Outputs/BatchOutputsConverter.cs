using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>Carries <see cref="BatchOutputs"/> across the wire as a <see cref="BatchOutputsSurrogate"/>.</summary>
[RegisterConverter]
public sealed class BatchOutputsConverter : IConverter<BatchOutputs, BatchOutputsSurrogate>
{
    public BatchOutputs ConvertFromSurrogate(in BatchOutputsSurrogate surrogate) =>
        new(surrogate.BatchSize, surrogate.SequenceLength, surrogate.HiddenSize, surrogate.Pooled)
        {
            Head = surrogate.Head,
            HeadWidth = surrogate.HeadWidth,
            Residues = surrogate.Residues,
            LayerNumbers = surrogate.LayerNumbers,
            LayerPooled = surrogate.LayerPooled,
            LayerResidues = surrogate.LayerResidues,
            Contacts = surrogate.Contacts,
            LayerBos = surrogate.LayerBos,
        };

    public BatchOutputsSurrogate ConvertToSurrogate(in BatchOutputs value) => new(
        value.BatchSize, value.SequenceLength, value.HiddenSize, value.Pooled, value.Head, value.HeadWidth,
        value.Residues, value.LayerNumbers, value.LayerPooled, value.LayerResidues, value.Contacts, value.LayerBos);
}
