using System.Globalization;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>Writes <c>id\tv1\t...\tvD</c> lines with no header, each float in its shortest round-trip form.</summary>
public sealed class EmbeddingTsvWriter : IEmbeddingWriter
{
    private readonly StreamWriter _writer;
    private readonly StringBuilder _line = new();

    public EmbeddingTsvWriter(string path)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    public async ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, CancellationToken cancellationToken)
    {
        if (id.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"Id '{id.ReplaceLineEndings(" ")}' contains a tab or line break and cannot be written to TSV.", nameof(id));
        }

        _line.Clear().Append(id);
        foreach (var value in vector.Span)
        {
            _line.Append('\t').Append(value.ToString("R", CultureInfo.InvariantCulture));
        }

        await _writer.WriteLineAsync(_line, cancellationToken);
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
