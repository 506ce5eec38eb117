using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams rows of an <c>id</c> string, a few int32 columns and one list-of-float column to Parquet (the layout of
/// <see cref="ResiduesTable"/> and <see cref="ContactsTable"/>): a row group is written as soon as the buffered floats
/// reach a bound, so memory stays flat however many rows a file gets, and every file is read by DuckDB and pyarrow as it is.
/// The buffers are taken once at the bound's size: a shard's part grew them by doubling before, a dozen large-object
/// allocations per part, and a job holds one writer per shard in flight.
/// </summary>
public sealed class StateParquetWriter : IAsyncDisposable
{
    /// <summary>
    /// Floats per row group by default: 256 Ki values, 1 MiB (204 residue states of a 1,280-wide model, 2,048 of a
    /// 128-wide one). A shard holds this much twice over (values and repetition levels) for each table it writes, and a
    /// job eight shards at once; with 4 Mi values a 256-protein part was one row group, buffered whole, and a job's peak
    /// memory rose with the number of shards in flight (bench extraction-memory, docs/benchmarks.md).
    /// </summary>
    public const int DefaultValuesPerRowGroup = 256 << 10;

    private readonly Stream _stream;
    private readonly int _valuesPerRowGroup;
    private readonly DataField _idField;
    private readonly DataField[] _intFields;
    private readonly DataField _listField;
    private readonly ParquetSchema _schema;
    private readonly List<string> _ids = [];
    private readonly List<int>[] _ints;
    private float[] _values;
    private int[] _repetitions;
    private int _count;
    private ParquetWriter? _writer;

    public StateParquetWriter(string path, IReadOnlyList<string> intColumns, string listColumn, int valuesPerRowGroup = DefaultValuesPerRowGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(valuesPerRowGroup, 1);
        _valuesPerRowGroup = valuesPerRowGroup;
        _idField = new DataField(EmbeddingParquetWriter.IdColumn, typeof(string), isNullable: false);
        _intFields = [.. intColumns.Select(name => new DataField(name, typeof(int), isNullable: false))];
        _listField = new DataField(listColumn, typeof(float), isNullable: false, isArray: true);
        _schema = new ParquetSchema([_idField, .. _intFields, _listField]);
        _ints = [.. _intFields.Select(_ => new List<int>())];
        _values = new float[valuesPerRowGroup];
        _repetitions = new int[valuesPerRowGroup];
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Bytes in the file so far (row groups written; the buffered one is not counted until it is).</summary>
    public long Bytes => _stream.Position;

    /// <summary>Writes one row: its id, one value per int column in the order they were named, and a non-empty list.</summary>
    public async ValueTask WriteAsync(string id, IReadOnlyList<int> ints, ReadOnlyMemory<float> values, CancellationToken cancellationToken)
    {
        if (ints.Count != _intFields.Length)
        {
            throw new ArgumentException($"Each row needs {_intFields.Length} int values, not {ints.Count}.", nameof(ints));
        }

        if (values.IsEmpty)
        {
            throw new ArgumentException("A row's list must have at least one value.", nameof(values));
        }

        if (_count > 0 && _count + values.Length > _valuesPerRowGroup)
        {
            // The row would not fit beside those buffered: they go out as a row group of their own first.
            await FlushAsync(cancellationToken);
        }

        if (values.Length > _values.Length)
        {
            // One row larger than the bound (a long protein's contact map) is a row group alone.
            _values = new float[values.Length];
            _repetitions = new int[values.Length];
        }

        _ids.Add(id);
        for (var i = 0; i < ints.Count; i++)
        {
            _ints[i].Add(ints[i]);
        }

        values.Span.CopyTo(_values.AsSpan(_count));

        // Repetition level 0 starts a row's list, 1 continues it.
        _repetitions[_count] = 0;
        _repetitions.AsSpan(_count + 1, values.Length - 1).Fill(1);
        _count += values.Length;
        Rows++;
        if (_count >= _valuesPerRowGroup)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None);

            // An empty file still has the schema.
            _writer ??= await ParquetWriter.CreateAsync(_schema, _stream);
            await _writer.DisposeAsync();
            await _stream.FlushAsync();
            if (_stream is FileStream file)
            {
                file.Flush(flushToDisk: true);
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

        _writer ??= await ParquetWriter.CreateAsync(_schema, _stream, cancellationToken: cancellationToken);
        using (var group = _writer.CreateRowGroup())
        {
            await group.WriteAsync(_idField, _ids, null);
            for (var i = 0; i < _intFields.Length; i++)
            {
                await group.WriteAsync<int>(_intFields[i], _ints[i].ToArray(), null, null, cancellationToken);
                _ints[i].Clear();
            }

            await group.WriteAsync<float>(_listField, _values.AsMemory(0, _count), _repetitions.AsMemory(0, _count), null, cancellationToken);
        }

        _ids.Clear();
        _count = 0;
    }
}
