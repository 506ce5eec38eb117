using System.Globalization;

namespace ProtSt.Pipeline;

/// <summary>
/// What every input format requires of one record, whatever its reader: an id that is present, within
/// <see cref="InputLimits.MaxIdLength"/>, decoded without loss and safe to write on one line of a TSV file; and a
/// sequence with residues, within <see cref="InputLimits.MaxSequenceResidues"/>.
/// </summary>
public static class RecordRules
{
    /// <summary>The problem with <paramref name="id"/>, or null.</summary>
    public static string? IdProblem(string id, InputLimits limits)
    {
        if (id.Length == 0)
        {
            return "the id is empty";
        }

        if (id.Length > limits.MaxIdLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the id has {id.Length} characters; the limit is {InputLimits.IdOption} = {limits.MaxIdLength}");
        }

        // Invalid UTF-8 decodes to U+FFFD: two different ids would become one, so the record is refused instead.
        if (id.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return "the id is not valid UTF-8 (or holds U+FFFD, the replacement character)";
        }

        // Refused rather than escaped, so an id is written exactly as given: a tab, line break, U+2028 or U+2029
        // would split a row of results.tsv, and other controls would garble it.
        foreach (var c in id)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the id holds U+{(int)c:X4}, a control or line-separator character");
            }
        }

        return null;
    }

    /// <summary>The problem with a sequence of <paramref name="residues"/> residues (more than the limit, when <paramref name="atLeast"/>: the reader stopped counting), or null.</summary>
    public static string? SequenceProblem(long residues, InputLimits limits, bool atLeast = false)
    {
        if (residues == 0 && !atLeast)
        {
            return "the record has no sequence";
        }

        if (atLeast)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the sequence has more than {limits.MaxSequenceResidues} residues; the limit is {InputLimits.SequenceOption} = {limits.MaxSequenceResidues}");
        }

        return residues > limits.MaxSequenceResidues
            ? string.Create(CultureInfo.InvariantCulture, $"the sequence has {residues} residues; the limit is {InputLimits.SequenceOption} = {limits.MaxSequenceResidues}")
            : null;
    }

    /// <summary>An id fit to name the record in a report: null when it is empty, too long or would garble the line.</summary>
    public static string? Reportable(string id, InputLimits limits) => IdProblem(id, limits) is null ? id : null;
}
