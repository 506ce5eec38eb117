using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Hosting;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// The aggregator of one job. Each silo's accumulator sends its cumulative figures for the job about once a second;
/// the grain keeps the latest report per source and sums them, so a repeated report counts once. Its figures (start,
/// per-source reports, shards counted, rows, failures, confusion matrix, throughput series) are written to the
/// <c>protst</c> grain storage at most every <see cref="ScreenOptions.FiguresSaveInterval"/> and at the end, so an
/// activation elsewhere after its silo died continues from them and the silos' next reports bring it up to date.
/// Snapshots give totals, overall and recent throughput (a sliding window) and throughput over time, the queue of
/// planned batches, an ETA when the input size is known, per-device figures, and the silos seen while the job ran.
/// </summary>
// The grain type keeps the name it had as JobGrain, so figures stored before the rename are found again.
[GrainType("job")]
internal sealed class JobFiguresAggregatorGrain(
    [PersistentState("figures", JobStorage.Name)] IPersistentState<JobFiguresState> state,
    TimeProvider time,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<ScreenOptions> options,
    ILogger<JobFiguresAggregatorGrain> logger) : Grain, IJobFiguresAggregatorGrain
{
    private const int SeriesBuckets = 180;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Queue<(long At, long Sequences)> _recent = new();
    private readonly SiloHistory _silos = new();

    private Dictionary<string, long> _stored = new(StringComparer.Ordinal);

    // 180 one-second buckets: the first three minutes at full detail, then coarser, about 10 KB of JSON at most.
    private ThroughputSeries _series = new(SeriesBuckets, TimeSpan.FromSeconds(1));
    private ConfusionMatrix? _confusion;
    private bool _dirty;

    private JobFiguresState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Series is { } series)
        {
            _series = new ThroughputSeries(SeriesBuckets, series);
        }

        _confusion = S.Confusion is { } rows ? ConfusionMatrix.FromRows(rows) : S.Start?.ClassNames is { Count: > 0 } names ? new ConfusionMatrix(names.Count) : null;
        _stored = S.Sources.ToDictionary(s => s.Key, s => s.Value.Version, StringComparer.Ordinal);
        if (S.StartedAt is { } startedAt)
        {
            _silos.Observe(membership.CurrentSnapshot, startedAt);
        }

        var interval = options.Value.FiguresSaveInterval;
        this.RegisterGrainTimer(SaveIfChangedAsync, interval, interval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await SaveIfChangedAsync();

    public async Task StartAsync(JobStart start)
    {
        if (S.Start is not null)
        {
            // A coordinator that moved starts its job again; the figures so far stand.
            return;
        }

        S.Start = start;
        S.StartedAt ??= time.GetUtcNow();
        _confusion = start.ClassNames is { Count: > 0 } names ? new ConfusionMatrix(names.Count) : null;
        _silos.Observe(membership.CurrentSnapshot, S.StartedAt.Value);
        await SaveAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).AddAsync(new JobListing(this.GetPrimaryKeyString(), start.Input, S.StartedAt.Value, null));
    }

    public Task<long> ReportFiguresAsync(JobFiguresReport report)
    {
        EnsureStarted();
        CountCall();

        // A finished job's figures are frozen: a silo repeating its last report as it stops changes nothing, and marking
        // the figures dirty then made the deactivation write them while an embedded silo's storage was going away.
        if (Apply(report) || S.FinishedAt is null)
        {
            _dirty = true;
        }

        return Task.FromResult(_stored.GetValueOrDefault(report.Source));
    }

    public Task RecordShardAsync(int shard, int rows, int failed, int[] actual, int[] predicted)
    {
        if (actual.Length > 0 && _confusion is null)
        {
            // A fresh activation that was never started (its silo died before the start was stored): the coordinator starts it and sends this again.
            throw new InvalidOperationException("This job was started without class names, so predictions cannot be scored.");
        }

        if (!S.ShardsCounted.Add(shard))
        {
            return Task.CompletedTask;
        }

        EnsureStarted();
        S.Rows += rows;
        S.FailedRows += failed;
        _dirty = true;
        if (actual.Length > 0)
        {
            RecordPredictions(_confusion!, actual, predicted);
        }

        return Task.CompletedTask;
    }

    private static void RecordPredictions(ConfusionMatrix confusion, int[] actual, int[] predicted)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} labels but {predicted.Length} predictions.", nameof(predicted));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            confusion.Add(actual[i], predicted[i]);
        }
    }

    public Task CompleteAsync() => FinishAsync(JobStates.Completed, null);

    public async Task FinishAsync(string state, string? reason)
    {
        EnsureStarted();
        S.FinishedAt ??= time.GetUtcNow();
        (S.FinalState, S.Error) = (state, reason);
        await SaveAsync();

        // The registry keeps the final figures after this grain is collected, for the job list, the view and /metrics.
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).CompleteAsync(await GetSnapshotAsync());
    }

    public Task<JobSnapshot> GetSnapshotAsync()
    {
        var now = time.GetTimestamp();
        var completed = S.FinishedAt is not null;
        var elapsed = Elapsed();
        while (_recent.Count > 0 && time.GetElapsedTime(_recent.Peek().At, now) > Window)
        {
            _recent.Dequeue();
        }

        if (S.StartedAt is not null)
        {
            _silos.Observe(membership.CurrentSnapshot, time.GetUtcNow());
        }

        var sources = S.Sources.Values;
        var (sequences, residues) = (sources.Sum(s => s.Sequences), sources.Sum(s => s.Residues));
        var seconds = elapsed.TotalSeconds;
        var window = Math.Min(Window.TotalSeconds, seconds);
        var windowRate = window > 0 ? _recent.Sum(r => r.Sequences) / window : 0;
        var rate = seconds > 0 ? S.Rows / seconds : 0;
        TimeSpan? eta = S.Start?.ExpectedRecords is { } expected && rate > 0 && !completed
            ? TimeSpan.FromSeconds(Math.Max(0, expected - S.Rows) / rate)
            : null;

        // Batches of a shard retried elsewhere are planned twice and reported once; a finished job has no queue.
        var queued = completed ? 0 : Math.Max(0, sources.Sum(s => s.PlannedBatches) - sources.Sum(s => s.ReportedBatches));

        // A device's batches are reported by the silos of the shards that sent them, so its figures are summed over sources.
        var devices = sources.SelectMany(s => s.Devices)
            .GroupBy(d => d.DeviceKey, StringComparer.Ordinal)
            .Select(g => new DeviceFigures(
                g.Key, g.Sum(d => d.Batches), g.Sum(d => d.Sequences), g.Sum(d => d.RealTokens), g.Sum(d => d.PaddedTokens),
                g.Aggregate(TimeSpan.Zero, (sum, d) => sum + d.Busy), 0, g.Select(d => d.Accelerator).FirstOrDefault(a => a.Length > 0) ?? string.Empty))
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal)
            .Select(d => d with { BusyShare = seconds > 0 ? Math.Min(1, d.Busy.TotalSeconds / seconds) : 0 })
            .ToList();
        return Task.FromResult(new JobSnapshot(
            this.GetPrimaryKeyString(), completed, S.Rows, S.FailedRows, sequences, residues, sources.Sum(s => s.RealTokens), sources.Sum(s => s.PaddedTokens), elapsed,
            seconds > 0 ? sequences / seconds : 0, seconds > 0 ? residues / seconds : 0, windowRate, S.Start?.ExpectedRecords, eta,
            devices,
            _confusion is null ? null : new ClassificationFigures(S.Start!.ClassNames!, _confusion.Total, _confusion.Accuracy, _confusion.MacroF1, _confusion.Mcc, _confusion.ToRows()),
            S.Start?.Input, S.Start?.ModelDirectory, S.StartedAt, queued, _series.Points(elapsed, completed), _silos.Silos,
            S.Calls, silo.SiloAddress.ToParsableString(), completed ? S.FinalState ?? JobStates.Completed : JobStates.Running, S.Error));
    }

    // A source's newer totals replace its older ones; the difference is the work done since, credited to the window
    // rate and the series at its arrival. An older or repeated report changes nothing (false).
    private bool Apply(JobFiguresReport report)
    {
        var previous = S.Sources.GetValueOrDefault(report.Source);
        if (previous is not null && report.Version <= previous.Version)
        {
            return false;
        }

        var sequences = report.Sequences - (previous?.Sequences ?? 0);
        var residues = report.Residues - (previous?.Residues ?? 0);
        // A plain list: the Redis storage writes JSON naming each collection's type, and a compiler-made one cannot be read back.
        S.Sources[report.Source] = report with { Devices = report.Devices.ToList() };
        if (sequences > 0 || residues > 0)
        {
            _recent.Enqueue((time.GetTimestamp(), sequences));
            _series.Add(Elapsed(), sequences, residues);
        }

        _silos.Observe(membership.CurrentSnapshot, time.GetUtcNow());
        return true;
    }

    // From the stored UTC start, so elapsed time and rates survive a new activation on another silo.
    private TimeSpan Elapsed()
    {
        if (S.StartedAt is not { } startedAt)
        {
            return TimeSpan.Zero;
        }

        var elapsed = (S.FinishedAt ?? time.GetUtcNow()) - startedAt;
        return elapsed > TimeSpan.Zero ? elapsed : TimeSpan.Zero;
    }

    // Counted while the job runs: silos confirming that their last figures are stored after the end would move a
    // finished job's figures, which the registry, the view and /metrics hold frozen.
    private void CountCall()
    {
        if (S.FinishedAt is null)
        {
            S.Calls++;
        }
    }

    private void EnsureStarted()
    {
        if (S.StartedAt is null)
        {
            S.StartedAt = time.GetUtcNow();
            _dirty = true;
        }
    }

    private async Task SaveIfChangedAsync()
    {
        if (!_dirty)
        {
            return;
        }

        try
        {
            await SaveAsync();
        }
        catch (Exception e)
        {
            // The storage may be briefly unreachable; the figures stay marked and the next tick writes them.
            logger.LogWarning(e, "Could not store the figures of job {Job}", this.GetPrimaryKeyString());
        }
    }

    private async Task SaveAsync()
    {
        S.Series = _series.Save();
        S.Confusion = _confusion?.ToRows();
        var versions = S.Sources.ToDictionary(s => s.Key, s => s.Value.Version, StringComparer.Ordinal);
        _dirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _dirty = true;
            throw;
        }

        _stored = versions;
    }
}
