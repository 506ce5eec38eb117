using System.Text;

namespace ProtSt.Model.Tokenization;

/// <summary>
/// The ESM tokenizer: one token per residue letter between <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>, with literal
/// special tokens such as <c>&lt;mask&gt;</c> recognized inside a sequence.
/// </summary>
public sealed class EsmTokenizer
{
    /// <summary>The ESM alphabet in id order, shared by ESM-1b and ESM-2, as fair-esm and Hugging Face define it.</summary>
    public static IReadOnlyList<string> StandardVocabulary { get; } =
    [
        "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y",
        "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>",
    ];

    private readonly Dictionary<string, int> _ids;
    private readonly int[] _letterIds = new int[128];
    private readonly string[] _inlineSpecials;

    public EsmTokenizer(IReadOnlyList<string> vocabulary, int maxResidues, TruncationPolicy truncation = TruncationPolicy.KeepStart)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResidues, 1);
        Vocabulary = vocabulary.ToArray();
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Vocabulary.Count; i++)
        {
            _ids.TryAdd(Vocabulary[i], i);
        }

        ClsId = Require("<cls>");
        PadId = Require("<pad>");
        EosId = Require("<eos>");
        UnkId = Require("<unk>");
        MaskId = _ids.GetValueOrDefault("<mask>", -1);
        MaxResidues = maxResidues;
        Truncation = truncation;

        Array.Fill(_letterIds, -1);
        foreach (var (token, id) in _ids)
        {
            if (token.Length == 1 && token[0] < 128)
            {
                _letterIds[token[0]] = id;
            }
        }

        // <cls>, <eos> and <pad> written inside a sequence would corrupt the attention mask and residue pooling,
        // so only the tokens a user can meaningfully place in a sequence are recognized inline.
        _inlineSpecials = _ids.Keys
            .Where(t => t.Length > 2 && t[0] == '<' && t[^1] == '>' && t is not ("<cls>" or "<eos>" or "<pad>"))
            .ToArray();
    }

    public IReadOnlyList<string> Vocabulary { get; }

    public int ClsId { get; }

    public int PadId { get; }

    public int EosId { get; }

    public int UnkId { get; }

    /// <summary>The id of <c>&lt;mask&gt;</c>, or -1 when the vocabulary has none.</summary>
    public int MaskId { get; }

    public int MaxResidues { get; }

    public TruncationPolicy Truncation { get; }

    /// <summary>The longest token sequence <see cref="Encode"/> produces: the residue limit plus <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>.</summary>
    public int MaxTokens => MaxResidues + 2;

    /// <summary>
    /// Normalizes a raw sequence the way FASTA files write them: whitespace anywhere and one trailing stop
    /// <c>*</c> are removed, letters upper-cased. Special tokens keep their case.
    /// </summary>
    public static string Normalize(string sequence)
    {
        var builder = new StringBuilder(sequence.Length);
        for (var i = 0; i < sequence.Length; i++)
        {
            var c = sequence[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == '<')
            {
                var close = sequence.IndexOf('>', i);
                if (close > i)
                {
                    builder.Append(sequence, i, close - i + 1);
                    i = close;
                    continue;
                }
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        if (builder.Length > 0 && builder[^1] == '*')
        {
            builder.Length--;
        }

        return builder.ToString();
    }

    public EncodedSequence Encode(string sequence)
    {
        var normalized = Normalize(sequence);
        var residues = new List<long>(normalized.Length);
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (c == '<')
            {
                residues.Add(MatchSpecial(normalized, i, out var length));
                i += length - 1;
                continue;
            }

            if (c < 128 && _letterIds[c] >= 0)
            {
                residues.Add(_letterIds[c]);
            }
            else if (char.IsAsciiLetter(c))
            {
                residues.Add(UnkId);
            }
            else
            {
                throw new InvalidSequenceException(
                    $"character '{Printable(c)}' at residue {residues.Count + 1} is not an amino-acid letter or a token of the model's alphabet.");
            }
        }

        if (residues.Count == 0)
        {
            throw new InvalidSequenceException("the sequence is empty.");
        }

        var original = residues.Count;
        if (original > MaxResidues)
        {
            if (Truncation == TruncationPolicy.Fail)
            {
                throw new InvalidSequenceException(
                    $"the sequence has {original} residues, over the model's limit of {MaxResidues} (truncation policy: fail).");
            }

            residues.RemoveRange(MaxResidues, original - MaxResidues);
        }

        var ids = new long[residues.Count + 2];
        ids[0] = ClsId;
        residues.CopyTo(ids, 1);
        ids[^1] = EosId;
        return new EncodedSequence(ids, residues.Count, original);
    }

    private long MatchSpecial(string text, int start, out int length)
    {
        foreach (var special in _inlineSpecials)
        {
            if (string.CompareOrdinal(text, start, special, 0, special.Length) == 0)
            {
                length = special.Length;
                return _ids[special];
            }
        }

        var close = text.IndexOf('>', start);
        var shown = close > start ? text[start..(close + 1)] : text[start..Math.Min(text.Length, start + 12)];
        throw new InvalidSequenceException(
            $"'{shown}' is not a token that may appear inside a sequence (allowed: {string.Join(", ", _inlineSpecials)}).");
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();

    private int Require(string token) =>
        _ids.TryGetValue(token, out var id)
            ? id
            : throw new ArgumentException($"The vocabulary has no '{token}' token; it is not an ESM vocabulary.", nameof(token));
}
