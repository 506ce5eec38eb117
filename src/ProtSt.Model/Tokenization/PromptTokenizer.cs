using Microsoft.ML.Tokenizers;

namespace ProtSt.Model.Tokenization;

/// <summary>
/// Tokenizes label prompts as ProtST does: BERT uncased WordPiece (lower-cased, accents stripped, punctuation split),
/// cut to <see cref="MaxPieces"/> pieces, <c>[CLS]</c> prepended and no <c>[SEP]</c> appended.
/// </summary>
public sealed class PromptTokenizer
{
    /// <summary>The published cut: ProtST's text pipeline keeps 128 word pieces.</summary>
    public const int DefaultMaxPieces = 128;

    private readonly BertTokenizer _tokenizer;

    private PromptTokenizer(BertTokenizer tokenizer, int maxPieces)
    {
        _tokenizer = tokenizer;
        MaxPieces = maxPieces;
    }

    public int MaxPieces { get; }

    public int ClsId => _tokenizer.ClassificationTokenId;

    public int SepId => _tokenizer.SeparatorTokenId;

    public int PadId => _tokenizer.PaddingTokenId;

    /// <summary>Loads a BERT <c>vocab.txt</c> (one piece per line, id = line number).</summary>
    public static PromptTokenizer Load(string vocabularyPath, int maxPieces = DefaultMaxPieces)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPieces, 1);
        if ("\u00e9".Normalize(System.Text.NormalizationForm.FormD).Length != 2)
        {
            // Without ICU (or under InvariantGlobalization) accented prompts would silently become [UNK].
            throw new PlatformNotSupportedException(
                "Unicode normalization is unavailable in this process (no ICU library, or invariant globalization is on); ProtST prompts cannot be tokenized correctly. Install libicu.");
        }

        if (!File.Exists(vocabularyPath))
        {
            throw new FileNotFoundException($"The text vocabulary '{vocabularyPath}' does not exist.", vocabularyPath);
        }

        BertTokenizer tokenizer;
        try
        {
            tokenizer = BertTokenizer.Create(vocabularyPath, new BertOptions
            {
                LowerCaseBeforeTokenization = true,
                RemoveNonSpacingMarks = true,
                ApplyBasicTokenization = true,
                SplitOnSpecialTokens = true,
                IndividuallyTokenizeCjk = true,
            });
        }
        catch (ArgumentException e)
        {
            // The library reports a vocabulary without [CLS], [SEP], [PAD] or [UNK] this way.
            throw new InvalidDataException($"'{vocabularyPath}' is not a BERT vocabulary: {e.Message}", e);
        }

        return new PromptTokenizer(tokenizer, maxPieces);
    }

    /// <summary>The token ids of one prompt: <c>[CLS]</c> then at most <see cref="MaxPieces"/> word pieces.</summary>
    public long[] Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var pieces = _tokenizer.EncodeToIds(prompt, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        var count = Math.Min(pieces.Count, MaxPieces);
        var ids = new long[count + 1];
        ids[0] = ClsId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        return ids;
    }

    /// <summary>Prompts padded to the longest with <c>[PAD]</c>, as one batch for the text encoder.</summary>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> prompts)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is needed.", nameof(prompts));
        }

        var encoded = prompts.Select(Encode).ToArray();
        var length = encoded.Max(e => e.Length);
        var ids = new long[prompts.Count * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, PadId);
        for (var b = 0; b < encoded.Length; b++)
        {
            encoded[b].CopyTo(ids, b * length);
            mask.AsSpan(b * length, encoded[b].Length).Fill(1);
        }

        return EncodedBatch.FromPadded(ids, mask, prompts.Count, length);
    }
}
