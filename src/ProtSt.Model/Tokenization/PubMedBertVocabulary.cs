namespace ProtSt.Model.Tokenization;

/// <summary>
/// The WordPiece vocabulary of ProtST's text tower: that of microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract
/// (formerly BiomedNLP-PubMedBERT-base-uncased-abstract; MIT licence), shipped with the model layer because ProtST's
/// repositories do not carry it and the similarly named abstract-fulltext vocabulary differs.
/// </summary>
public static class PubMedBertVocabulary
{
    /// <summary>SHA-256 of the shipped vocab.txt (30,522 lines).</summary>
    public const string Sha256 = "79489a52be45e6fa033521e8ce8e4f62aedc0a742ee2aa6fc04667e5b0b1454d";

    public const int Pieces = 30522;

    /// <summary>The hub repository the file comes from, under its current name.</summary>
    public const string Repository = "microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract";

    /// <summary>The same repository's former name, which ProtST's code and the published scripts use.</summary>
    public const string FormerRepository = "microsoft/BiomedNLP-PubMedBERT-base-uncased-abstract";

    private const string ResourceName = "ProtSt.Model.PubMedBertVocabulary.txt";

    /// <summary>Writes the shipped vocabulary to <paramref name="path"/>, byte for byte.</summary>
    public static void WriteTo(string path)
    {
        using var source = typeof(PubMedBertVocabulary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly lacks its embedded resource {ResourceName}; the build is broken.");
        using var target = File.Create(path);
        source.CopyTo(target);
    }
}
