using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Owns <c>results.idx</c>, a compact binary index of the <see cref="ResultsTable"/> beside it: each row's byte offset,
/// predicted class (its index among the score columns, -1 without), that class's score, the protein's length, and the
/// rows in score order. A reader answers pages, label filters and sorts from it and reads only its page's lines from
/// results.tsv. Written by a shard before it publishes its part and by assembly from the parts' indexes; the TSV stays
/// the truth: an index whose table length differs, or none at all, is ignored. Layout: a fixed header, the table's header
/// line, then the columns (offsets as longs, labels, top scores, lengths, score order), little-endian.
/// </summary>
public sealed class ResultsIndex
{
    public const string FileName = "results.idx";

    private const int Magic = 0x58525350; // "PSRX"
    private const int Version = 1;
    private const int PartsVersion = 2;
    private const int HeaderBytes = 4 + 4 + 8 + 8 + 4 + 4;
    private const int PartEntryBytes = 8 + 4;

    private readonly string _path;
    private readonly long _columns;
    private readonly Lazy<int[]> _labels;
    private readonly Lazy<float[]> _topScores;
    private readonly Lazy<int[]> _lengths;
    private readonly Lazy<int[]> _scoreOrder;

    // Per table (the one, or each part): the index's first row in it (then the row count), and what to subtract from
    // an offset in the concatenation to get one in that table.
    private readonly int[] _rowStarts;
    private readonly long[] _shifts;

    private ResultsIndex(string path, long tableLength, string header, int rows, int classes, long columns, IReadOnlyList<string> directories, int[] rowStarts, long[] shifts)
    {
        _path = path;
        TableLength = tableLength;
        Header = header;
        DataStart = Encoding.UTF8.GetByteCount(header);
        Count = rows;
        Classes = classes;
        Directories = directories;
        _rowStarts = rowStarts;
        _shifts = shifts;

        // Each column is read when first asked for, straight into its array: a page in record order needs none.
        _columns = columns;
        var offsetsBytes = (rows + 1L) * sizeof(long);
        _labels = new(() => Column<int>(_columns + offsetsBytes));
        _topScores = new(() => Column<float>(_columns + offsetsBytes + (rows * 4L)));
        _lengths = new(() => Column<int>(_columns + offsetsBytes + (rows * 8L)));
        _scoreOrder = new(() => Column<int>(_columns + offsetsBytes + (rows * 12L)));
    }

    /// <summary>The byte length of the results.tsv indexed (of a parts index: of the parts' concatenation, as assembled).</summary>
    public long TableLength { get; }

    /// <summary>The table's header line, its line end included.</summary>
    public string Header { get; }

    /// <summary>The byte offset of the first row (the header's length).</summary>
    public long DataStart { get; }

    public int Classes { get; }

    public int Count { get; }

    /// <summary>The folders whose results.tsv the index covers, in row order: one, or each part of a parts index.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>Each row's predicted class (its index among the score columns), -1 without predictions.</summary>
    public int[] Labels => _labels.Value;

    /// <summary>The score of each row's predicted class; NaN without predictions.</summary>
    public float[] TopScores => _topScores.Value;

    public int[] Lengths => _lengths.Value;

    /// <summary>The rows by ascending top score (NaN as lowest), the order <see cref="Array.Sort(Array, Array)"/> gives from record order.</summary>
    public int[] ScoreOrder => _scoreOrder.Value;

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The first row of <see cref="Directories"/>[<paramref name="table"/>] in the index; of the table after the last, <see cref="Count"/>.</summary>
    public int RowStart(int table) => _rowStarts[table];

    /// <summary>The index of the table in <paramref name="directory"/>, or null when it has none or one that is not of this table.</summary>
    public static ResultsIndex? TryOpen(string directory)
    {
        var table = new FileInfo(ResultsTable.PathIn(directory));
        return table.Exists ? TryOpen(PathIn(directory), Version, [directory], parts => parts.Count == 1 && parts[0].TableLength == table.Length) : null;
    }

    /// <summary>
    /// The index that <see cref="WritePartsAsync"/> wrote in <paramref name="partsDirectory"/>, or null when there is none
    /// or it is not of exactly <paramref name="parts"/> (their number, or any part's results.tsv length, differs).
    /// </summary>
    public static ResultsIndex? TryOpenParts(string partsDirectory, IReadOnlyList<string> parts) => TryOpen(
        PathIn(partsDirectory),
        PartsVersion,
        parts,
        written => written.Count == parts.Count && parts.Select((p, i) => new FileInfo(ResultsTable.PathIn(p)) is { Exists: true } f && f.Length == written[i].TableLength).All(same => same));

    private static ResultsIndex? TryOpen(string path, int version, IReadOnlyList<string> directories, Func<IReadOnlyList<(long TableLength, int Rows)>, bool> ofTheseTables)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
            var length = RandomAccess.GetLength(handle);
            var fixedPart = new byte[HeaderBytes];
            if (length < HeaderBytes || RandomAccess.Read(handle, fixedPart, 0) != HeaderBytes
                || BinaryPrimitives.ReadInt32LittleEndian(fixedPart) != Magic || BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(4)) != version)
            {
                return null;
            }

            var tableLength = BinaryPrimitives.ReadInt64LittleEndian(fixedPart.AsSpan(8));
            var dataStart = BinaryPrimitives.ReadInt64LittleEndian(fixedPart.AsSpan(16));
            var rows = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(24));
            var classes = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(28));
            if (rows < 0 || dataStart is <= 0 or > 1 << 20 || length < HeaderBytes + dataStart + 4)
            {
                return null;
            }

            var header = new byte[dataStart];
            if (RandomAccess.Read(handle, header, HeaderBytes) != header.Length)
            {
                return null;
            }

            // A single table's index has no table of parts: it is its one table.
            var tables = new List<(long TableLength, int Rows)> { (tableLength, rows) };
            var columns = HeaderBytes + dataStart;
            if (version == PartsVersion)
            {
                var count = new byte[4];
                RandomAccess.Read(handle, count, columns);
                var parts = BinaryPrimitives.ReadInt32LittleEndian(count);
                if (parts <= 0 || length < columns + 4 + ((long)parts * PartEntryBytes))
                {
                    return null;
                }

                var entries = new byte[parts * PartEntryBytes];
                RandomAccess.Read(handle, entries, columns + 4);
                tables = [.. Enumerable.Range(0, parts).Select(p => (BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(p * PartEntryBytes)), BinaryPrimitives.ReadInt32LittleEndian(entries.AsSpan((p * PartEntryBytes) + 8))))];
                columns += 4 + entries.Length;
            }

            if (length != columns + ((long)rows * 24) + 8 || tables.Sum(t => (long)t.Rows) != rows || !ofTheseTables(tables))
            {
                return null;
            }

            var rowStarts = new int[tables.Count + 1];
            var shifts = new long[tables.Count];
            long position = 0;
            for (var t = 0; t < tables.Count; t++)
            {
                // As assembly concatenates: table t's bytes after its header land where the tables before it end.
                shifts[t] = t == 0 ? 0 : position - dataStart;
                position = tables[t].TableLength + shifts[t];
                rowStarts[t + 1] = rowStarts[t] + tables[t].Rows;
            }

            return position == tableLength
                ? new ResultsIndex(path, tableLength, Encoding.UTF8.GetString(header), rows, classes, columns, directories, rowStarts, shifts)
                : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads the results.tsv in <paramref name="directory"/> once and writes its index beside it.</summary>
    public static async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var path = ResultsTable.PathIn(directory);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var headerEnd = Array.IndexOf(bytes, (byte)'\n');
        if (headerEnd < 0)
        {
            throw new InvalidDataException($"{path} has no whole header line.");
        }

        var columns = ResultsTable.ParseHeader(path, Encoding.UTF8.GetString(bytes, 0, headerEnd).TrimEnd('\r'));
        var classIndex = columns?.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var offsets = new List<long>();
        var labels = new List<int>();
        var scores = new List<float>();
        var lengths = new List<int>();
        var fields = new List<Range>();
        for (var start = headerEnd + 1; start < bytes.Length;)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            end = end < 0 ? bytes.Length : end;
            var line = bytes.AsSpan(start, end - start).TrimEnd((byte)'\r');
            fields.Clear();
            for (var from = 0; ;)
            {
                var tab = line[from..].IndexOf((byte)'\t');
                fields.Add(tab < 0 ? from..line.Length : from..(from + tab));
                if (tab < 0)
                {
                    break;
                }

                from += tab + 1;
            }

            var number = offsets.Count + 2;
            if (fields.Count < 3 || (classIndex is not null && fields.Count != 4 + classIndex.Count))
            {
                throw new InvalidDataException($"{path}: line {number} has {fields.Count} fields, not those of its header.");
            }

            offsets.Add(start);
            lengths.Add(int.Parse(line[fields[1]], NumberStyles.None, CultureInfo.InvariantCulture));
            if (classIndex is null)
            {
                labels.Add(-1);
                scores.Add(float.NaN);
            }
            else
            {
                var name = Encoding.UTF8.GetString(line[fields[3]]);
                var label = classIndex.TryGetValue(name, out var index)
                    ? index
                    : throw new InvalidDataException($"{path}: line {number} has the label '{name}', which is not one of its score columns.");
                labels.Add(label);
                scores.Add(float.Parse(line[fields[4 + label]], NumberStyles.Float, CultureInfo.InvariantCulture));
            }

            start = end + 1;
        }

        offsets.Add(bytes.Length);
        await SaveAsync(directory, bytes.Length, bytes.AsMemory(0, headerEnd + 1), columns?.ClassNames.Count ?? 0, [.. offsets], [.. labels], [.. scores], [.. lengths], null, cancellationToken);
    }

    /// <summary>
    /// Writes the index of <paramref name="output"/>'s results.tsv, assembled from <paramref name="parts"/>' tables (the
    /// first whole, the others after their header), from the parts' indexes; removes any stale one when a part has none.
    /// </summary>
    public static async Task ConcatenateAsync(IReadOnlyList<string> parts, string output, CancellationToken cancellationToken)
    {
        File.Delete(PathIn(output));
        if (Concatenate(parts) is not { } all)
        {
            return;
        }

        if (new FileInfo(ResultsTable.PathIn(output)).Length != all.TableLength)
        {
            throw new InvalidDataException($"{ResultsTable.PathIn(output)} is {new FileInfo(ResultsTable.PathIn(output)).Length} bytes where its parts' indexes add up to {all.TableLength}.");
        }

        await SaveAsync(output, all, null, cancellationToken);
    }

    /// <summary>
    /// Writes one index of all <paramref name="parts"/> (a finished job kept in parts) into <paramref name="partsDirectory"/>,
    /// from the parts' indexes, so a reader opens one file instead of one a part; removes any stale one when a part has none.
    /// </summary>
    public static async Task WritePartsAsync(IReadOnlyList<string> parts, string partsDirectory, CancellationToken cancellationToken)
    {
        File.Delete(PathIn(partsDirectory));
        if (parts.Count > 0 && Concatenate(parts) is { } all)
        {
            await SaveAsync(partsDirectory, all, [.. all.Indexes.Select(i => (i.TableLength, i.Count))], cancellationToken);
        }
    }

    // The columns of the parts' concatenation, from their indexes; null when a part has none.
    private static Concatenation? Concatenate(IReadOnlyList<string> parts)
    {
        var indexes = new List<ResultsIndex>(parts.Count);
        foreach (var part in parts)
        {
            if (TryOpen(part) is not { } index)
            {
                return null;
            }

            indexes.Add(index);
        }

        var rows = indexes.Sum(i => (long)i.Count);
        var offsets = new long[checked(rows + 1)];
        var labels = new int[rows];
        var scores = new float[rows];
        var lengths = new int[rows];
        var at = 0;
        long position = 0;
        for (var p = 0; p < indexes.Count; p++)
        {
            var index = indexes[p];

            // Part p's bytes after its header land where the table so far ends.
            var shift = p == 0 ? 0 : position - index.DataStart;
            var partOffsets = index.Offsets();
            for (var r = 0; r < index.Count; r++)
            {
                offsets[at + r] = partOffsets[r] + shift;
            }

            index.Labels.CopyTo(labels, at);
            index.TopScores.CopyTo(scores, at);
            index.Lengths.CopyTo(lengths, at);
            at += index.Count;
            position = index.TableLength + shift;
        }

        offsets[^1] = position;
        return new Concatenation(indexes, position, Encoding.UTF8.GetBytes(indexes[0].Header), indexes[0].Classes, offsets, labels, scores, lengths);
    }

    /// <summary>The fields of row <paramref name="row"/>, read from its table alone.</summary>
    public string[] ReadFields(int row)
    {
        var bounds = new long[2];
        using (var index = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess))
        {
            RandomAccess.Read(index, MemoryMarshal.AsBytes(bounds.AsSpan()), _columns + (row * 8L));
        }

        // The table whose rows include this one (empty parts share their start with the next part).
        var table = Array.BinarySearch(_rowStarts, row);
        table = table >= 0 ? table : ~table - 1;
        while (_rowStarts[table + 1] <= row)
        {
            table++;
        }

        var path = ResultsTable.PathIn(Directories[table]);
        var length = checked((int)(bounds[1] - bounds[0]));
        var buffer = new byte[length];
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess))
        {
            if (RandomAccess.Read(handle, buffer, bounds[0] - _shifts[table]) != length)
            {
                throw new InvalidDataException($"{path} ends before row {row - _rowStarts[table] + 1} that {_path} names.");
            }
        }

        return Encoding.UTF8.GetString(buffer).TrimEnd('\n', '\r').Split('\t');
    }

    /// <summary>Each row's byte offset in results.tsv, then the table's length: row r is bytes [offsets[r], offsets[r + 1]).</summary>
    public long[] Offsets() => Column<long>(_columns, Count + 1);

    private static Task SaveAsync(string directory, Concatenation all, (long TableLength, int Rows)[]? parts, CancellationToken cancellationToken) =>
        SaveAsync(directory, all.TableLength, all.Header, all.Classes, all.Offsets, all.Labels, all.Scores, all.Lengths, parts, cancellationToken);

    // parts: the table of parts of a parts index, null for a single table's.
    private static async Task SaveAsync(string directory, long tableLength, ReadOnlyMemory<byte> header, int classes, long[] offsets, int[] labels, float[] scores, int[] lengths, (long TableLength, int Rows)[]? parts, CancellationToken cancellationToken)
    {
        var order = new int[labels.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(scores.Select(s => float.IsNaN(s) ? float.NegativeInfinity : s).ToArray(), order);
        var fixedPart = new byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart.AsSpan(4), parts is null ? Version : PartsVersion);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart.AsSpan(8), tableLength);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart.AsSpan(16), header.Length);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart.AsSpan(24), labels.Length);
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart.AsSpan(28), classes);
        var target = PathIn(directory);
        var temporary = target + ".writing";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            await stream.WriteAsync(fixedPart, cancellationToken);
            await stream.WriteAsync(header, cancellationToken);
            if (parts is not null)
            {
                var table = new byte[4 + (parts.Length * PartEntryBytes)];
                BinaryPrimitives.WriteInt32LittleEndian(table, parts.Length);
                for (var p = 0; p < parts.Length; p++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(table.AsSpan(4 + (p * PartEntryBytes)), parts[p].TableLength);
                    BinaryPrimitives.WriteInt32LittleEndian(table.AsSpan(4 + (p * PartEntryBytes) + 8), parts[p].Rows);
                }

                await stream.WriteAsync(table, cancellationToken);
            }

            await stream.WriteAsync(MemoryMarshal.AsBytes(offsets.AsSpan()).ToArray(), cancellationToken);
            await stream.WriteAsync(MemoryMarshal.AsBytes(labels.AsSpan()).ToArray(), cancellationToken);
            await stream.WriteAsync(MemoryMarshal.AsBytes(scores.AsSpan()).ToArray(), cancellationToken);
            await stream.WriteAsync(MemoryMarshal.AsBytes(lengths.AsSpan()).ToArray(), cancellationToken);
            await stream.WriteAsync(MemoryMarshal.AsBytes(order.AsSpan()).ToArray(), cancellationToken);
        }

        File.Move(temporary, target, overwrite: true);
    }

    // Little-endian on disk, as every platform .NET runs ProtSt on is.
    private T[] Column<T>(long position, int? count = null)
        where T : unmanaged
    {
        var values = new T[count ?? Count];
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (var read = 0; read < bytes.Length;)
        {
            var got = RandomAccess.Read(handle, bytes[read..], position + read);
            read += got > 0 ? got : throw new InvalidDataException($"{_path} ends before its columns do.");
        }

        return values;
    }

    private sealed record Concatenation(List<ResultsIndex> Indexes, long TableLength, byte[] Header, int Classes, long[] Offsets, int[] Labels, float[] Scores, int[] Lengths);
}
