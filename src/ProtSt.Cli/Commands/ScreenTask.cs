namespace ProtSt.Cli.Commands;

/// <summary>What a screen computes per record: embeddings only, ProtST zero-shot label scores, or classifier probabilities.</summary>
internal enum ScreenTask
{
    Embed,
    ZeroShot,
    Classify,
}
