using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>
/// Writes embeddings to Parquet (<c>id</c> string, <c>embedding</c> list of float, and for ProtST models a
/// <c>feature</c> list of float: the projected protein feature, and any further named list-of-float columns such as
/// <c>mean_6</c> or <c>bos_6</c>), one row group per block of rows so memory stays bounded.
/// A checkpoint closes the file (a valid Parquet file up to there) and later rows are appended as new row groups, so a
/// job stopped at any moment can be resumed from its last checkpoint.
/// </summary>
public sealed class EmbeddingParquetWriter : IEmbeddingWriter
{
    public const string EmbeddingColumn = "embedding";
    public const string FeatureColumn = "feature";

    public const string IdColumn = "id";

    // Parquet.Net binds a field to one schema, so each file gets its own field objects.
    private readonly DataField _idField = new(IdColumn, typeof(string), isNullable: false);

    private readonly Stream _stream;
    private readonly int _rowGroupSize;
    private readonly ParquetSchema _schema;
    private readonly List<string> _ids = [];
    private readonly VectorColumn _embedding = new(EmbeddingColumn);
    private readonly VectorColumn? _feature;
    private readonly VectorColumn[] _vectors;
    private ParquetWriter? _writer;
    private ParquetSchema _writeSchema;

    // After a checkpoint the file on disk is complete; the next row group is appended to it.
    private bool _closed;
    private bool _disposed;

    public EmbeddingParquetWriter(string path, int rowGroupSize = 4096, bool withFeature = false, IReadOnlyList<string>? vectorColumns = null)
        : this(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read), rowGroupSize, withFeature, closed: false, vectorColumns)
    {
    }

    private EmbeddingParquetWriter(Stream stream, int rowGroupSize, bool withFeature, bool closed, IReadOnlyList<string>? vectorColumns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        _stream = stream;
        _rowGroupSize = rowGroupSize;
        _closed = closed;
        _feature = withFeature ? new VectorColumn(FeatureColumn) : null;
        _vectors = [.. (vectorColumns ?? []).Select(name => new VectorColumn(name))];
        var fields = new List<Field> { _idField, _embedding.Field };
        if (_feature is not null)
        {
            fields.Add(_feature.Field);
        }

        fields.AddRange(_vectors.Select(v => v.Field));
        _schema = new ParquetSchema(fields);
        _writeSchema = _schema;
    }

    /// <summary>
    /// Puts <paramref name="path"/> back as it stood at <paramref name="checkpoint"/> (whatever a crash left after it is
    /// dropped) and returns a writer that appends to it.
    /// </summary>
    public static EmbeddingParquetWriter Resume(string path, ParquetCheckpoint checkpoint, int rowGroupSize = 4096, bool withFeature = false, IReadOnlyList<string>? vectorColumns = null)
    {
        var stream = CheckpointedFile.OpenAt(path, checkpoint.DataLength, FileAccess.ReadWrite);
        try
        {
            stream.Write(checkpoint.Footer);
            stream.Flush(flushToDisk: true);
            return new EmbeddingParquetWriter(stream, rowGroupSize, withFeature, closed: true, vectorColumns);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes every buffered row, completes the file (footer included) and forces it to disk; later rows are appended.
    /// Returns what <see cref="Resume"/> needs to put the file back to this point.
    /// </summary>
    public async Task<ParquetCheckpoint> CheckpointAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await FlushAsync(cancellationToken);
        if (!_closed)
        {
            _writer ??= await ParquetWriter.CreateAsync(_schema, _stream, cancellationToken: cancellationToken);
            await _writer.DisposeAsync();
            _writer = null;
            _closed = true;
        }

        await _stream.FlushAsync(cancellationToken);
        if (_stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }

        // The file ends with the footer, its 4-byte little-endian length and the magic "PAR1".
        var tail = new byte[8];
        _stream.Position = _stream.Length - tail.Length;
        await _stream.ReadExactlyAsync(tail, cancellationToken);
        var footerLength = BitConverter.ToInt32(tail, 0);
        var dataLength = _stream.Length - tail.Length - footerLength;
        var footer = new byte[footerLength + tail.Length];
        _stream.Position = dataLength;
        await _stream.ReadExactlyAsync(footer, cancellationToken);
        _stream.Position = _stream.Length;
        return new ParquetCheckpoint(dataLength, footer);
    }

    public ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, CancellationToken cancellationToken) =>
        WriteAsync(id, vector, ReadOnlyMemory<float>.Empty, cancellationToken);

    /// <summary>Writes one row; <paramref name="feature"/> is required exactly when the file was created with a feature column.</summary>
    public ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, ReadOnlyMemory<float> feature, CancellationToken cancellationToken) =>
        WriteAsync(id, vector, feature, null, cancellationToken);

    /// <summary>
    /// Writes one row; <paramref name="feature"/> is required exactly when the file was created with a feature column,
    /// and <paramref name="vectors"/> holds a non-empty vector for each further column, in the order they were named.
    /// </summary>
    public async ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, ReadOnlyMemory<float> feature, IReadOnlyList<float[]>? vectors, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (vector.Length == 0)
        {
            throw new ArgumentException("An embedding must have at least one value.", nameof(vector));
        }

        if ((_feature is null) != feature.IsEmpty)
        {
            throw new ArgumentException(_feature is null ? "This file has no feature column." : "Every row of this file needs a feature.", nameof(feature));
        }

        if ((vectors?.Count ?? 0) != _vectors.Length || vectors?.Any(v => v.Length == 0) == true)
        {
            throw new ArgumentException($"Every row of this file needs {_vectors.Length} further non-empty vectors ({string.Join(", ", _vectors.Select(v => v.Field.Name))}), not {vectors?.Count ?? 0}.", nameof(vectors));
        }

        _ids.Add(id);
        _embedding.Add(vector.Span);
        _feature?.Add(feature.Span);
        for (var i = 0; i < _vectors.Length; i++)
        {
            _vectors[i].Add(vectors![i]);
        }

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

            // An empty input still yields a valid file with the schema; a closed file is complete already.
            if (!_closed)
            {
                _writer ??= await ParquetWriter.CreateAsync(_schema, _stream);
                await _writer.DisposeAsync();
            }
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

        if (_writer is null)
        {
            // Appending must use the schema as the file states it: Parquet.Net reads a repeated float column back as
            // nullable and refuses an append under the (physically identical) schema it was written with.
            var schema = _schema;
            if (_closed)
            {
                _stream.Position = 0;
                await using var existing = await ParquetReader.CreateAsync(_stream, leaveStreamOpen: true, cancellationToken: cancellationToken);
                schema = existing.Schema;
            }

            _writer = await ParquetWriter.CreateAsync(schema, _stream, append: _closed, cancellationToken: cancellationToken);
            _writeSchema = schema;
            _closed = false;
        }

        using (var group = _writer.CreateRowGroup())
        {
            await group.WriteAsync(Field(_idField.Name), _ids, null);
            await _embedding.WriteAsync(group, Field(_embedding.Field.Name), cancellationToken);
            if (_feature is not null)
            {
                await _feature.WriteAsync(group, Field(_feature.Field.Name), cancellationToken);
            }

            foreach (var column in _vectors)
            {
                await column.WriteAsync(group, Field(column.Field.Name), cancellationToken);
            }
        }

        _ids.Clear();
    }

    private DataField Field(string name) => _writeSchema.DataFields.First(f => f.Name == name);

    /// <summary>
    /// One list-of-float column buffered for the current row group. The buffers are kept from one row group to the next:
    /// a group of 4,096 embeddings 1,280 wide is 21 MB, and allocating that afresh per group (as growing lists did) sent
    /// every group through the large-object heap and into gen-2 collections that paused the whole process.
    /// </summary>
    private sealed class VectorColumn(string name)
    {
        private float[] _values = [];
        private int[] _repetitionLevels = [];
        private int _count;

        public DataField Field { get; } = new(name, typeof(float), isNullable: false, isArray: true);

        public void Add(ReadOnlySpan<float> vector)
        {
            if (_count + vector.Length > _values.Length)
            {
                var capacity = Math.Max(_count + vector.Length, Math.Max(1024, _values.Length * 2));
                Array.Resize(ref _values, capacity);
                Array.Resize(ref _repetitionLevels, capacity);
            }

            vector.CopyTo(_values.AsSpan(_count));

            // Repetition level 0 starts a row's list, 1 continues it.
            _repetitionLevels[_count] = 0;
            _repetitionLevels.AsSpan(_count + 1, vector.Length - 1).Fill(1);
            _count += vector.Length;
        }

        public async Task WriteAsync(ParquetRowGroupWriter group, DataField field, CancellationToken cancellationToken)
        {
            await group.WriteAsync<float>(field, _values.AsMemory(0, _count), _repetitionLevels.AsMemory(0, _count), null, cancellationToken);
            _count = 0;
        }
    }
}
