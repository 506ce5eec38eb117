namespace ProtSt.Pipeline;

/// <summary>Counts of (true class, predicted class) pairs and the metrics derived from them: accuracy, macro-F1, MCC.</summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        _counts = new long[classes, classes];
    }

    public int Classes { get; }

    /// <summary>Rebuilds a matrix from its rows (true class by predicted class), e.g. from an aggregator's snapshot.</summary>
    public static ConfusionMatrix FromRows(IReadOnlyList<IReadOnlyList<long>> rows)
    {
        var matrix = new ConfusionMatrix(rows.Count);
        for (var a = 0; a < rows.Count; a++)
        {
            if (rows[a].Count != rows.Count)
            {
                throw new ArgumentException($"Row {a} has {rows[a].Count} counts; a {rows.Count}-class matrix is square.", nameof(rows));
            }

            for (var p = 0; p < rows.Count; p++)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(rows[a][p], nameof(rows));
                matrix._counts[a, p] = rows[a][p];
                matrix.Total += rows[a][p];
            }
        }

        return matrix;
    }

    public long Total { get; private set; }

    public long this[int actual, int predicted] => _counts[actual, predicted];

    public void Add(int actual, int predicted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actual);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(actual, Classes);
        ArgumentOutOfRangeException.ThrowIfNegative(predicted);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(predicted, Classes);
        _counts[actual, predicted]++;
        Total++;
    }

    public double Accuracy => Total == 0 ? 0 : (double)Enumerable.Range(0, Classes).Sum(c => _counts[c, c]) / Total;

    /// <summary>The unweighted mean of per-class F1 over classes that occur in the labels or the predictions.</summary>
    public double MacroF1
    {
        get
        {
            var present = Enumerable.Range(0, Classes).Where(c => Support(c) > 0 || Predicted(c) > 0).ToList();
            return present.Count == 0 ? 0 : present.Average(F1);
        }
    }

    /// <summary>Matthews correlation coefficient, in its multi-class form (Gorodkin 2004); equals the usual MCC for two classes.</summary>
    public double Mcc
    {
        get
        {
            double correct = Enumerable.Range(0, Classes).Sum(c => _counts[c, c]);
            double total = Total;
            double sumPredictedActual = 0, sumPredictedSquared = 0, sumActualSquared = 0;
            for (var c = 0; c < Classes; c++)
            {
                double predicted = Predicted(c), actual = Support(c);
                sumPredictedActual += predicted * actual;
                sumPredictedSquared += predicted * predicted;
                sumActualSquared += actual * actual;
            }

            var denominator = Math.Sqrt((total * total) - sumPredictedSquared) * Math.Sqrt((total * total) - sumActualSquared);
            return denominator == 0 ? 0 : ((correct * total) - sumPredictedActual) / denominator;
        }
    }

    /// <summary>How many samples truly belong to <paramref name="c"/>.</summary>
    public long Support(int c) => Enumerable.Range(0, Classes).Sum(p => _counts[c, p]);

    public long Predicted(int c) => Enumerable.Range(0, Classes).Sum(a => _counts[a, c]);

    public double Precision(int c) => Predicted(c) == 0 ? 0 : (double)_counts[c, c] / Predicted(c);

    public double Recall(int c) => Support(c) == 0 ? 0 : (double)_counts[c, c] / Support(c);

    public double F1(int c)
    {
        var (p, r) = (Precision(c), Recall(c));
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>Rows are true classes, columns predicted classes.</summary>
    public long[][] ToRows() => Enumerable.Range(0, Classes).Select(a => Enumerable.Range(0, Classes).Select(p => _counts[a, p]).ToArray()).ToArray();
}
