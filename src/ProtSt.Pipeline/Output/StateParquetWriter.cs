using System.Buffers;
using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams rows of an <c>id</c> string, a few int32 columns and one list-of-float column to Parquet (the layout of
/// <see cref="ResiduesTable"/> and <see cref="ContactsTable"/>): a row group is written as soon as the buffered floats
/// reach a bound, so memory stays flat however many rows a file gets, and every file is read by DuckDB and pyarrow as it is.
/// The buffered floats live in an array rented from the shared pool and given back when the writer is disposed: a job
/// opens one writer per shard, and arrays allocated anew for each (grown by doubling, with a parallel array of levels)
/// came to 34 MiB of large-object garbage per 4.9 MiB part (docs/benchmarks.md, issue 22). Repetition levels are made
/// only while a row group is written.
/// </summary>
public sealed class StateParquetWriter : IAsyncDisposable
{
    /// <summary>Floats per row group by default: 4 Mi values, 16 MiB, a few thousand residue states of a 1,280-wide model.</summary>
    public const int DefaultValuesPerRowGroup = 4 << 20;

    private readonly Stream _stream;
    private readonly int _valuesPerRowGroup;
    private readonly DataField _idField;
    private readonly DataField[] _intFields;
    private readonly DataField _listField;
    private readonly ParquetSchema _schema;
    private readonly List<string> _ids = [];
    private readonly List<int>[] _ints;
    private readonly List<int> _lengths = [];
    private float[] _values = [];
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
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
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

        _ids.Add(id);
        for (var i = 0; i < ints.Count; i++)
        {
            _ints[i].Add(ints[i]);
        }

        if (_count + values.Length > _values.Length)
        {
            var grown = ArrayPool<float>.Shared.Rent(Math.Max(_count + values.Length, Math.Max(1024, _values.Length * 2)));
            _values.AsSpan(0, _count).CopyTo(grown);
            ReturnValues();
            _values = grown;
        }

        values.Span.CopyTo(_values.AsSpan(_count));
        _lengths.Add(values.Length);
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
            ReturnValues();
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

            // Repetition level 0 starts a row's list, 1 continues it.
            var repetitions = ArrayPool<int>.Shared.Rent(_count);
            try
            {
                var start = 0;
                foreach (var length in _lengths)
                {
                    repetitions[start] = 0;
                    repetitions.AsSpan(start + 1, length - 1).Fill(1);
                    start += length;
                }

                await group.WriteAsync<float>(_listField, _values.AsMemory(0, _count), repetitions.AsMemory(0, _count), null, cancellationToken);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(repetitions);
            }
        }

        _ids.Clear();
        _lengths.Clear();
        _count = 0;
    }

    private void ReturnValues()
    {
        if (_values.Length > 0)
        {
            ArrayPool<float>.Shared.Return(_values);
            _values = [];
        }
    }
}
