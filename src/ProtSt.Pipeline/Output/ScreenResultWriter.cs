using System.Globalization;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>Writes a screen's outputs: <c>results.tsv</c> (id, length, truncated) and <c>embeddings.parquet</c> (id, vector).</summary>
public sealed class ScreenResultWriter : IAsyncDisposable
{
    public const string ResultsFile = "results.tsv";
    public const string EmbeddingsFile = "embeddings.parquet";

    private readonly StreamWriter _results;
    private readonly EmbeddingParquetWriter _embeddings;

    public ScreenResultWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        _results = new StreamWriter(Path.Combine(directory, ResultsFile), append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _results.WriteLine("id\tlength\ttruncated");
        _embeddings = new EmbeddingParquetWriter(Path.Combine(directory, EmbeddingsFile));
    }

    public long Rows { get; private set; }

    public async ValueTask WriteAsync(string id, int length, bool truncated, ReadOnlyMemory<float> embedding, CancellationToken cancellationToken)
    {
        if (id.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"Id '{id.ReplaceLineEndings(" ")}' contains a tab or line break and cannot be written to TSV.", nameof(id));
        }

        await _results.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{id}\t{length}\t{(truncated ? "true" : "false")}").AsMemory(), cancellationToken);
        await _embeddings.WriteAsync(id, embedding, cancellationToken);
        Rows++;
    }

    public async ValueTask DisposeAsync()
    {
        await _results.DisposeAsync();
        await _embeddings.DisposeAsync();
    }
}
