namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// Work done per stretch of a job's run, in equal buckets. When the buckets are all used, neighbours merge and the
/// bucket doubles in width, so a job of any length keeps a bounded series at the finest width it can afford.
/// </summary>
internal sealed class ThroughputSeries(int capacity, TimeSpan initialWidth)
{
    private List<(long Sequences, long Residues)> _buckets = [];
    private TimeSpan _width = initialWidth;

    /// <summary>The series as it was saved with a job's figures.</summary>
    public ThroughputSeries(int capacity, ThroughputSeriesState saved)
        : this(capacity, saved.Width)
    {
        _buckets = saved.Sequences.Zip(saved.Residues, (sequences, residues) => (sequences, residues)).ToList();
    }

    /// <summary>What to save with a job's figures, so a new aggregator activation continues the series.</summary>
    public ThroughputSeriesState Save() => new(_width, [.. _buckets.Select(b => b.Sequences)], [.. _buckets.Select(b => b.Residues)]);

    public void Add(TimeSpan at, long sequences, long residues)
    {
        var index = Cover(at);
        _buckets[index] = (_buckets[index].Sequences + sequences, _buckets[index].Residues + residues);
    }

    /// <summary>Whole buckets up to <paramref name="elapsed"/>; the bucket in progress only once the job is done.</summary>
    public IReadOnlyList<ThroughputPoint> Points(TimeSpan elapsed, bool completed)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return [];
        }

        var current = Cover(elapsed);
        var points = new List<ThroughputPoint>(current + 1);
        for (var i = 0; i < current; i++)
        {
            points.Add(new ThroughputPoint(_width * i, _width, _buckets[i].Sequences, _buckets[i].Residues));
        }

        var rest = elapsed - (_width * current);
        if (completed && rest > TimeSpan.Zero)
        {
            // A short last stretch would show a spike or a dip that is only rounding; it joins the bucket before it.
            if (rest < _width / 2 && points.Count > 0)
            {
                var last = points[^1];
                points[^1] = new ThroughputPoint(last.Start, last.Duration + rest, last.Sequences + _buckets[current].Sequences, last.Residues + _buckets[current].Residues);
            }
            else
            {
                points.Add(new ThroughputPoint(_width * current, rest, _buckets[current].Sequences, _buckets[current].Residues));
            }
        }

        return points;
    }

    private int Cover(TimeSpan at)
    {
        var index = (int)(at.Ticks / _width.Ticks);
        while (index >= capacity)
        {
            var merged = new List<(long, long)>(capacity);
            for (var i = 0; i < _buckets.Count; i += 2)
            {
                var next = i + 1 < _buckets.Count ? _buckets[i + 1] : (0, 0);
                merged.Add((_buckets[i].Sequences + next.Sequences, _buckets[i].Residues + next.Residues));
            }

            _buckets = merged;
            _width *= 2;
            index = (int)(at.Ticks / _width.Ticks);
        }

        while (_buckets.Count <= index)
        {
            _buckets.Add((0, 0));
        }

        return index;
    }
}
