using System.Collections.Concurrent;
using System.Globalization;

namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// This silo's figures per job: its shards add each batch and each plan here instead of calling the job's aggregator,
/// and <see cref="JobFiguresFlusher"/> sends each job's cumulative totals once per report interval. Each job's entry is
/// its own source (this silo's address and an entry id), so a report sent twice, or to a new aggregator activation,
/// counts once; an entry idle past <see cref="ScreenOptions.FiguresForgetAfter"/> is forgotten.
/// </summary>
public sealed class JobFiguresAccumulator(ILocalSiloDetails silo, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);

    /// <summary>A shard planned this many batches for the job (a split batch plans one more).</summary>
    public void AddPlanned(string jobId, int batches) => Update(jobId, tally => tally.AddPlanned(batches));

    /// <summary>A batch of the job was computed (or given up: <see cref="BatchReport.NotComputed"/>).</summary>
    public void Add(string jobId, BatchReport report) => Update(jobId, tally => tally.Add(report));

    /// <summary>The jobs whose figures the aggregator has not yet received, or not yet stored, with what to send.</summary>
    internal IReadOnlyList<(string JobId, JobFiguresReport Report)> Pending() =>
        [.. _jobs.Select(job => (job.Key, Report: job.Value.Pending())).Where(p => p.Report is not null).Select(p => (p.Key, p.Report!))];

    /// <summary>What to send for one job now, or null when the aggregator has it all.</summary>
    internal JobFiguresReport? Pending(string jobId) => _jobs.TryGetValue(jobId, out var entry) ? entry.Pending() : null;

    /// <summary>The aggregator received <paramref name="report"/> and has stored this source up to <paramref name="stored"/>.</summary>
    internal void Delivered(string jobId, JobFiguresReport report, long stored)
    {
        if (_jobs.TryGetValue(jobId, out var entry) && entry.Source == report.Source)
        {
            entry.Delivered(report.Version, stored);
        }
    }

    /// <summary>Drops the entries of jobs that saw no batch here for <paramref name="idle"/>; returns how many.</summary>
    internal int ForgetIdle(TimeSpan idle)
    {
        var now = time.GetTimestamp();
        var forgotten = 0;
        foreach (var (jobId, entry) in _jobs)
        {
            if (entry.TryRetire(now, idle, time) && _jobs.TryRemove(KeyValuePair.Create(jobId, entry)))
            {
                forgotten++;
            }
        }

        return forgotten;
    }

    /// <summary>The jobs this silo holds figures for.</summary>
    internal int Count => _jobs.Count;

    private void Update(string jobId, Action<JobFiguresTally> change)
    {
        while (true)
        {
            var entry = _jobs.GetOrAdd(jobId, _ => new Entry(NewSource(), time.GetTimestamp()));
            if (entry.TryUpdate(change, time.GetTimestamp()))
            {
                return;
            }

            // Retired between the lookup and the lock: the next lookup makes a fresh entry (a new source).
        }
    }

    private string NewSource() =>
        string.Create(CultureInfo.InvariantCulture, $"{silo.SiloAddress.ToParsableString()}/{Guid.NewGuid():N}");

    private sealed class Entry(string source, long created)
    {
        private readonly JobFiguresTally _tally = new();
        private long _lastChange = created;
        private long _sent;
        private long _stored;
        private bool _retired;

        public string Source { get; } = source;

        public bool TryUpdate(Action<JobFiguresTally> change, long now)
        {
            lock (_tally)
            {
                if (_retired)
                {
                    return false;
                }

                change(_tally);
                _lastChange = now;
                return true;
            }
        }

        // Sent again while the aggregator has not stored it: if the aggregator's silo dies before its next write, the
        // new activation gets this source's totals from here.
        public JobFiguresReport? Pending()
        {
            lock (_tally)
            {
                return _tally.Version > _sent || _stored < _sent ? _tally.ToReport(Source) : null;
            }
        }

        public void Delivered(long version, long stored)
        {
            lock (_tally)
            {
                (_sent, _stored) = (Math.Max(_sent, version), Math.Max(_stored, stored));
            }
        }

        public bool TryRetire(long now, TimeSpan idle, TimeProvider time)
        {
            lock (_tally)
            {
                _retired = time.GetElapsedTime(_lastChange, now) >= idle;
                return _retired;
            }
        }
    }
}
