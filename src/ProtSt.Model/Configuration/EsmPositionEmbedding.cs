namespace ProtSt.Model.Configuration;

/// <summary>How an ESM encoder encodes positions: ESM-2 rotates queries and keys, ESM-1b adds learned vectors.</summary>
public enum EsmPositionEmbedding
{
    Rotary,
    Absolute,
}
