using System.Collections.Concurrent;
using ProtSt.Pipeline;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// A job's rows so far: its pieces in record order, seen as one table. Immutable; a job that gains parts gets a new one
/// sharing the pieces already read. Orders are computed once per sort key and kept, so a page is a slice.
/// </summary>
public sealed class JobRows
{
    private readonly int[] _offsets;
    private readonly ConcurrentDictionary<ResultsSort, int[]> _orders = new();
    private readonly ConcurrentDictionary<(ResultsSort Sort, int Label), int[]> _labelOrders = new();

    public JobRows(IReadOnlyList<ResultPiece> pieces, IReadOnlyList<string>? classNames)
    {
        Pieces = pieces;
        _offsets = new int[pieces.Count + 1];
        for (var i = 0; i < pieces.Count; i++)
        {
            _offsets[i + 1] = checked(_offsets[i] + pieces[i].Count);
        }

        ClassNames = pieces.FirstOrDefault(p => p.Columns is not null)?.Columns!.ClassNames ?? classNames ?? [];
        ScorePrefix = pieces.FirstOrDefault(p => p.Columns is not null)?.Columns!.Prefix;

        // An assembled job's one piece, or every part of a finished job kept in parts, read from one index of all the rows.
        _index = pieces is [{ Index: { } first }, ..] && first.Count == Count && pieces.All(p => ReferenceEquals(p.Index, first)) ? first : null;
        _labels = new Lazy<int[]>(() => _index?.Labels ?? Gather(p => p.Labels));
    }

    private readonly ResultsIndex? _index;
    private readonly Lazy<int[]> _labels;

    public IReadOnlyList<ResultPiece> Pieces { get; }

    /// <summary>The job's classes in its label order; empty for an embed job.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary><c>score:</c> or <c>prob:</c>, null without predictions.</summary>
    public string? ScorePrefix { get; }

    public int Count => _offsets[^1];

    /// <summary>True when every piece holds its ids (needed by id filters and sorts).</summary>
    public bool HasIds => Pieces.All(p => p.HasIds);

    /// <summary>Reads the ids of the pieces that were read from their index only.</summary>
    public async Task LoadIdsAsync(CancellationToken cancellationToken)
    {
        foreach (var piece in Pieces)
        {
            await piece.LoadIdsAsync(cancellationToken);
        }
    }

    /// <summary>How many rows each class has, in label order.</summary>
    public long[] LabelCounts()
    {
        var counts = new long[ClassNames.Count];
        foreach (var label in _labels.Value)
        {
            if (label >= 0)
            {
                counts[label]++;
            }
        }

        return counts;
    }

    /// <summary>The piece and row within it of row <paramref name="row"/> of the job.</summary>
    public (ResultPiece Piece, int Row) Locate(int row)
    {
        var piece = Array.BinarySearch(_offsets, row);
        piece = piece >= 0 ? piece : ~piece - 1;

        // Empty pieces share an offset with the next one: step over them.
        while (_offsets[piece + 1] == row && piece + 1 < Pieces.Count)
        {
            piece++;
        }

        return (Pieces[piece], row - _offsets[piece]);
    }

    /// <summary>
    /// The rows from <paramref name="offset"/> (at most <paramref name="limit"/>) in <paramref name="sort"/>'s order, of
    /// those predicted as class <paramref name="label"/> (-1: any) whose id contains <paramref name="match"/> (any case).
    /// </summary>
    public ResultsPage Page(ResultsSort sort, int label, string? match, int offset, int limit)
    {
        // A label's rows in an order are kept like the order itself: the view asks for each label's best proteins.
        if (sort.Key == ResultsSort.Record && label < 0 && match is not { Length: > 0 })
        {
            // File order needs no order array: a cold job's first page reads only its rows.
            var rows = Enumerable.Range(Math.Min(offset, Count), Math.Clamp(Count - offset, 0, limit)).Select(i => sort.Descending ? Count - 1 - i : i);
            return new ResultsPage(Count, Count, offset, limit, (sort.Descending ? "-" : string.Empty) + sort.Key, ScorePrefix, ClassNames, [.. rows.Select(Item)]);
        }

        var order = label < 0 ? Order(sort) : _labelOrders.GetOrAdd((sort, label), key => [.. Order(key.Sort).Where(row => _labels.Value[row] == key.Label)]);
        var filtered = match is { Length: > 0 };

        // Without an id filter a page is a slice of the order; with one, one pass counts the matches and keeps the page's.
        IEnumerable<int> matching = filtered
            ? order.Where(row =>
            {
                var (piece, local) = Locate(row);
                return piece.Ids[local].Contains(match!, StringComparison.OrdinalIgnoreCase);
            })
            : new ArraySegment<int>(order, Math.Min(offset, order.Length), Math.Min(limit, Math.Max(0, order.Length - offset)));
        var items = new List<ResultItem>(Math.Min(limit, Count));
        var total = filtered ? 0 : order.Length;
        foreach (var row in matching)
        {
            if (filtered && total++ < offset)
            {
                continue;
            }

            if (items.Count < limit)
            {
                items.Add(Item(row));
            }
        }

        return new ResultsPage(Count, total, offset, limit, (sort.Descending ? "-" : string.Empty) + sort.Key, ScorePrefix, ClassNames, items);
    }

    private ResultItem Item(int row)
    {
        var (piece, local) = Locate(row);
        return piece.Item(row, local, ClassNames);
    }

    /// <summary>The job's row numbers in <paramref name="sort"/>'s order, computed once.</summary>
    public int[] Order(ResultsSort sort) => _orders.GetOrAdd(sort, Sort);

    private int[] Sort(ResultsSort sort)
    {
        int[] order;
        if (sort.Key == ResultsSort.Score && _index is { } index)
        {
            // The index holds the job's score order, sorted as below when it was written.
            order = (int[])index.ScoreOrder.Clone();
        }
        else
        {
            order = new int[Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            switch (sort.Key)
            {
                case ResultsSort.Record:
                    break;
                case ResultsSort.Length:
                    Array.Sort(Gather(p => p.Lengths), order);
                    break;
                case ResultsSort.Label:
                    Array.Sort(Gather(p => p.Labels), order);
                    break;
                case ResultsSort.Score:
                    // Rows without a score (none in a labelled job) sort last either way.
                    var scores = Gather(p => p.TopScores);
                    for (var i = 0; i < scores.Length; i++)
                    {
                        scores[i] = float.IsNaN(scores[i]) ? float.NegativeInfinity : scores[i];
                    }

                    Array.Sort(scores, order);
                    break;
                case ResultsSort.Id:
                    Array.Sort(Gather(p => p.Ids), order, StringComparer.Ordinal);
                    break;
            }
        }

        if (sort.Descending)
        {
            // Reversing keeps ties in a fixed order (record order descending) without a second sort.
            Array.Reverse(order);
        }

        return order;
    }

    private T[] Gather<T>(Func<ResultPiece, T[]> column)
    {
        var values = new T[Count];
        var i = 0;
        foreach (var piece in Pieces)
        {
            column(piece).CopyTo(values, i);
            i += piece.Count;
        }

        return values;
    }
}
