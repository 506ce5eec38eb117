using System.IO.Hashing;
using System.Text;
using ProtSt.Model.Tokenization;

namespace ProtSt.Pipeline;

/// <summary>When two records hold the same sequence: equal after the tokenizer's normalization, compared by a 128-bit hash.</summary>
public static class SequenceIdentity
{
    public static UInt128 Of(string sequence) => XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(EsmTokenizer.Normalize(sequence)));
}
