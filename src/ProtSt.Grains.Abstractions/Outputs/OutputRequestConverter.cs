using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>Carries <see cref="OutputRequest"/> across the wire as an <see cref="OutputRequestSurrogate"/>.</summary>
[RegisterConverter]
public sealed class OutputRequestConverter : IConverter<OutputRequest, OutputRequestSurrogate>
{
    public OutputRequest ConvertFromSurrogate(in OutputRequestSurrogate surrogate) =>
        new() { Kinds = (OutputKind)surrogate.Kinds, Layers = [.. surrogate.Layers ?? []] };

    public OutputRequestSurrogate ConvertToSurrogate(in OutputRequest value) =>
        new((int)value.Kinds, value.Layers.IsDefaultOrEmpty ? null : [.. value.Layers]);
}
