using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>Writes embeddings to Parquet (<c>id</c> string, <c>embedding</c> list of float), one row group per block of rows so memory stays bounded.</summary>
public sealed class EmbeddingParquetWriter : IEmbeddingWriter
{
    internal static readonly DataField IdField = new("id", typeof(string), isNullable: false);
    internal static readonly DataField EmbeddingField = new("embedding", typeof(float), isNullable: false, isArray: true);
    internal static readonly ParquetSchema Schema = new(IdField, EmbeddingField);

    private readonly Stream _stream;
    private readonly int _rowGroupSize;
    private readonly List<string> _ids = [];
    private readonly List<float> _values = [];
    private readonly List<int> _repetitionLevels = [];
    private ParquetWriter? _writer;
    private bool _disposed;

    public EmbeddingParquetWriter(string path, int rowGroupSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        _stream = File.Create(path);
        _rowGroupSize = rowGroupSize;
    }

    public async ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (vector.Length == 0)
        {
            throw new ArgumentException("An embedding must have at least one value.", nameof(vector));
        }

        _ids.Add(id);
        foreach (var value in vector.Span)
        {
            _values.Add(value);
        }

        // Repetition level 0 starts a row's list, 1 continues it.
        _repetitionLevels.Add(0);
        _repetitionLevels.AddRange(Enumerable.Repeat(1, vector.Length - 1));
        if (_ids.Count == _rowGroupSize)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await FlushAsync(CancellationToken.None);

            // An empty input still yields a valid file with the schema.
            _writer ??= await ParquetWriter.CreateAsync(Schema, _stream);
            await _writer.DisposeAsync();
        }
        finally
        {
            await _stream.DisposeAsync();
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_ids.Count == 0)
        {
            return;
        }

        _writer ??= await ParquetWriter.CreateAsync(Schema, _stream, cancellationToken: cancellationToken);
        using (var group = _writer.CreateRowGroup())
        {
            await group.WriteAsync(IdField, _ids, null);
            await group.WriteAsync<float>(EmbeddingField, _values.ToArray(), _repetitionLevels.ToArray(), null, cancellationToken);
        }

        _ids.Clear();
        _values.Clear();
        _repetitionLevels.Clear();
    }
}
