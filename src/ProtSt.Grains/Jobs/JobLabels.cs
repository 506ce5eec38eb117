using System.Globalization;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// What a job predicts: class names in id order. Records whose input carries a label (a class id or a class name) are
/// scored against it when their shard writes its part.
/// </summary>
public sealed record JobLabels(IReadOnlyList<string> ClassNames)
{
    /// <summary>The class id an input label names: an id in range (the ProtST datasets' form) or an exact class name.</summary>
    public int? ClassOf(string? label)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            return null;
        }

        var trimmed = label.Trim();
        if (int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            return id >= 0 && id < ClassNames.Count ? id : null;
        }

        for (var i = 0; i < ClassNames.Count; i++)
        {
            if (string.Equals(ClassNames[i], trimmed, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }
}
