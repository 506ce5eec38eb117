using ProtSt.Grains.Jobs.Figures;

namespace ProtSt.Grains.Tests;

/// <summary>The bucketed throughput history behind the job view's chart.</summary>
public sealed class ThroughputSeriesTests
{
    [Fact]
    public void Full_series_merge_neighbours_and_keep_every_sequence()
    {
        var series = new ThroughputSeries(4, TimeSpan.FromSeconds(1));
        for (var second = 0; second < 10; second++)
        {
            series.Add(TimeSpan.FromSeconds(second + 0.5), second + 1, 10 * (second + 1));
        }

        var points = series.Points(TimeSpan.FromSeconds(10), completed: true);
        Assert.InRange(points.Count, 1, 4);
        Assert.Equal(55, points.Sum(p => p.Sequences));
        Assert.Equal(550, points.Sum(p => p.Residues));
        Assert.Equal(TimeSpan.FromSeconds(10), points[^1].Start + points[^1].Duration);

        // Four-second buckets after two merges: seconds 0-3 hold 1+2+3+4 sequences.
        Assert.Equal(TimeSpan.FromSeconds(4), points[0].Duration);
        Assert.Equal(10, points[0].Sequences);
        Assert.Equal(2.5, points[0].SequencesPerSecond);
    }

    [Fact]
    public void A_running_job_shows_only_whole_buckets()
    {
        var series = new ThroughputSeries(10, TimeSpan.FromSeconds(1));
        series.Add(TimeSpan.FromSeconds(0.2), 4, 40);
        series.Add(TimeSpan.FromSeconds(1.1), 6, 60);

        var running = series.Points(TimeSpan.FromSeconds(1.5), completed: false);
        Assert.Equal([new ThroughputPoint(TimeSpan.Zero, TimeSpan.FromSeconds(1), 4, 40)], running);

        // Done 0.3 s into a bucket: too short a stretch to stand alone, it joins the one before.
        var done = series.Points(TimeSpan.FromSeconds(1.3), completed: true);
        Assert.Equal([new ThroughputPoint(TimeSpan.Zero, TimeSpan.FromSeconds(1.3), 10, 100)], done);
    }
}
