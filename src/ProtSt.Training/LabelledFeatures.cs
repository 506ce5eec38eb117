namespace ProtSt.Training;

/// <summary>
/// One split of frozen-encoder features with their class labels: <see cref="Features"/> is row-major
/// <see cref="Count"/> × <see cref="Dimension"/>, one contiguous array so a split costs one allocation, not one per sequence.
/// </summary>
public sealed record LabelledFeatures
{
    /// <summary>Checks that every row has a label in [0, <paramref name="classes"/>) and the array holds whole rows.</summary>
    public LabelledFeatures(float[] features, int[] labels, int dimension, int classes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (dimension < 1)
        {
            throw new ArgumentException($"Feature dimension must be at least 1, got {dimension}.", nameof(dimension));
        }

        if (classes < 2)
        {
            throw new ArgumentException($"A classifier needs at least 2 classes, got {classes}.", nameof(classes));
        }

        if (features.LongLength != (long)labels.Length * dimension)
        {
            throw new ArgumentException(
                $"{features.Length} feature values do not make {labels.Length} rows of dimension {dimension} (expected {(long)labels.Length * dimension}).",
                nameof(features));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
            {
                throw new ArgumentException($"Label {labels[i]} of row {i} is outside [0, {classes}).", nameof(labels));
            }
        }

        Features = features;
        Labels = labels;
        Dimension = dimension;
        Classes = classes;
    }

    public float[] Features { get; }

    public int[] Labels { get; }

    public int Dimension { get; }

    public int Classes { get; }

    public int Count => Labels.Length;

    /// <summary>Packs per-sequence vectors, as the cluster returns them, into one split; every vector must have the same length.</summary>
    public static LabelledFeatures FromRows(IReadOnlyList<float[]> rows, IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows.Count == 0)
        {
            throw new ArgumentException("No feature rows were given, so the dimension is unknown.", nameof(rows));
        }

        if (rows.Count != labels.Count)
        {
            throw new ArgumentException($"{rows.Count} feature rows but {labels.Count} labels.", nameof(labels));
        }

        var dimension = rows[0].Length;
        var features = new float[(long)rows.Count * dimension];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != dimension)
            {
                throw new ArgumentException($"Row {i} has {rows[i].Length} values but row 0 has {dimension}.", nameof(rows));
            }

            rows[i].CopyTo(features, (long)i * dimension);
        }

        return new LabelledFeatures(features, [.. labels], dimension, classes);
    }

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Dimension, Dimension);
}
