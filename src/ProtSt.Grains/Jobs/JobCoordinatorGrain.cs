using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Grains.Security;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// The coordinator of a submitted job (see <see cref="IJobCoordinatorGrain"/>). Its state is written after every step that
/// must not be repeated (the plan, each finished shard, the outcome), so a new activation, on any silo, after any
/// failure, continues from there: finished shards are never computed again, and a shard whose part is already whole
/// on disk is taken over from its part.json. Reentrant: status and cancel calls interleave with the running job.
/// </summary>
// The grain type keeps the name it had as ScreenJobGrain, so jobs stored in grain storage before the rename still wake.
[GrainType("screenjob")]
[Reentrant]
internal sealed class JobCoordinatorGrain(
    [PersistentState("job", JobStorage.Name)] IPersistentState<JobCoordinatorState> state,
    ModelCatalog catalog,
    DeviceListCache deviceList,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<SecurityOptions> security,
    IOptions<ScreenOptions> options,
    CallValidator validator,
    ILogger<JobCoordinatorGrain> logger) : Grain, IJobCoordinatorGrain, IDisposable
{
    private readonly SemaphoreSlim _saving = new(1, 1);
    private CancellationTokenSource? _stop;
    private Task? _running;

    public void Dispose()
    {
        _saving.Dispose();
        _stop?.Dispose();
    }

    private string JobId => this.GetPrimaryKeyString();

    private JobCoordinatorState S => state.State;

    private bool Final => S.Phase is JobPhase.Completed or JobPhase.Failed or JobPhase.Cancelled;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null && !Final)
        {
            Start();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A silo stopping hands the job on: the next activation (woken by JobWaker) continues from the stored state.
        if (_stop is not null)
        {
            await _stop.CancelAsync();
        }
    }

    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        if (S.Spec is not null)
        {
            if (!Final)
            {
                Start();
            }

            return Status();
        }

        // Nothing is created before every check passed: a refused job leaves the disk as it found it.
        try
        {
            validator.Paths(spec);
            JobTaskResolver.Check(spec, catalog.Folder(spec.Model));
            _ = ExtractionCheck.Resolve(spec, catalog.Folder(spec.Model));
            CheckInputs(spec);
        }
        catch (Exception e) when (JobRefusal.IsUsersProblem(e))
        {
            throw JobRefusal.Portable(e);
        }

        var index = GrainFactory.GetGrain<IJobIndexGrain>(0);
        if (await index.ClaimFolderAsync(JobId, FolderRoots.RealPath(spec.Output)) is { } holder)
        {
            throw new OutputFolderBusyException(
                $"the output folder '{spec.Output}' is in use by the running job {holder}; wait for it, cancel it, or choose another folder.", holder);
        }

        try
        {
            try
            {
                PrepareOutput(spec);
            }
            catch (Exception e) when (JobRefusal.IsUsersProblem(e))
            {
                throw JobRefusal.Portable(e);
            }

            S.Spec = spec;
            S.Phase = JobPhase.Planning;
            S.SubmittedAt = DateTimeOffset.UtcNow;
            S.ModelManifestSha256 = JobFolderRecord.ManifestHash(spec.Model);
            await SaveAsync();
        }
        catch
        {
            S.Spec = null;
            await index.FinishAsync(JobId);
            throw;
        }

        await index.AddAsync(JobId);
        WriteFolderRecord();
        Start();
        return Status();
    }

    public Task<JobStatus?> GetStatusAsync()
    {
        if (S.Spec is null)
        {
            // A lookup of an unknown id (a typo, a probe) must not keep an empty activation around.
            DeactivateOnIdle();
            return Task.FromResult<JobStatus?>(null);
        }

        return Task.FromResult<JobStatus?>(Status());
    }

    public async Task<JobStatus?> CancelAsync()
    {
        if (S.Spec is null)
        {
            return null;
        }

        if (!Final)
        {
            if (_stop is not null)
            {
                await _stop.CancelAsync();
            }

            await FinishAsync(JobPhase.Cancelled, "cancelled");
        }

        return Status();
    }

    public Task WakeAsync()
    {
        if (S.Spec is not null && !Final)
        {
            Start();
        }

        return Task.CompletedTask;
    }

    private void Start()
    {
        if (_running is { IsCompleted: false })
        {
            return;
        }

        _stop?.Dispose();
        _stop = new CancellationTokenSource();

        // The job runs as long as it needs to; the activation is released when it ends.
        DelayDeactivation(TimeSpan.FromDays(365));
        _running = RunAsync(_stop.Token);
    }

    // The input (and labels) must be regular files readable here, on a silo: that is what the shards will need. Nothing
    // is opened that could block (a FIFO) or read forever (a device), and nothing is created.
    private void CheckInputs(JobSpec spec)
    {
        var where = $"the silo at {silo.SiloAddress}";
        if (!File.Exists(spec.Input) && !Directory.Exists(spec.Input))
        {
            throw new FileNotFoundException($"{where} cannot read the input '{spec.Input}' (it does not exist there); input and output must be paths every silo sees.", spec.Input);
        }

        try
        {
            InputFile.Check(spec.Input);
            OutputFolder.Check(spec.Output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{where} cannot read the input '{spec.Input}': {e.Message}; input and output must be paths every silo sees.", e);
        }

        if (spec.LabelsPath is { } labels)
        {
            if (!File.Exists(labels))
            {
                throw new FileNotFoundException($"{where} cannot read the labels file '{labels}' (it does not exist there, or is a folder).", labels);
            }

            var (known, regular, length) = RegularFile.Inspect(labels);
            if (known && !regular)
            {
                throw new ArgumentException($"the labels file '{labels}' is a pipe or device, not a regular file.");
            }

            if (length > security.Value.MaxLabelsFileBytes)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"the labels file '{labels}' has {length} bytes; the limit is {SecurityOptions.SectionName}:{nameof(SecurityOptions.MaxLabelsFileBytes)} = {security.Value.MaxLabelsFileBytes}."));
            }
        }
    }

    // One folder, one job's results: another job's finished results, or a folder that is no job's but holds files, are
    // replaced only when the job says so (overwrite), and then the other job's work files go first so nothing mixes.
    private void PrepareOutput(JobSpec spec)
    {
        var record = Directory.Exists(spec.Output) ? JobFolderRecord.Read(spec.Output) : null;
        var replacing = false;
        if (record is not null && record.JobId != JobId)
        {
            if (record.State is "planning" or "running" or "assembling" && !spec.Overwrite)
            {
                throw new InvalidOperationException(
                    $"the output folder '{spec.Output}' holds the unfinished job {record.JobId}; continue it with --resume {spec.Output}, or overwrite it (--overwrite, \"overwrite\": true).");
            }

            // A failed or cancelled job's whole parts are what --resume continues from (a full disk, a cancel): a new
            // job would delete them without a word.
            if (record.State is "failed" or "cancelled" && !spec.Overwrite
                && Directory.Exists(PartFolder.PartsDirectory(spec.Output)) && Directory.EnumerateFileSystemEntries(PartFolder.PartsDirectory(spec.Output)).Any())
            {
                throw new InvalidOperationException(
                    $"the output folder '{spec.Output}' holds the finished parts of the {record.State} job {record.JobId}; continue it with --resume {spec.Output}, or replace them (--overwrite, \"overwrite\": true).");
            }

            if (record.State == "completed" && !spec.Overwrite)
            {
                throw new InvalidOperationException(
                    $"the output folder '{spec.Output}' holds the results of the finished job {record.JobId}; choose another folder, or replace them (--overwrite, \"overwrite\": true).");
            }

            replacing = true;
        }
        else if (record is null && Directory.Exists(spec.Output) && Directory.EnumerateFileSystemEntries(spec.Output).Any() && !spec.Overwrite)
        {
            throw new InvalidOperationException(
                $"the output folder '{spec.Output}' is not empty and is no job's (no {JobFolderRecord.FileName}); choose an empty or new folder, or replace its files (--overwrite, \"overwrite\": true).");
        }
        else if (record is null && spec.Overwrite)
        {
            replacing = true;
        }

        var where = $"the silo at {silo.SiloAddress}";
        try
        {
            OutputFolder.Create(spec.Output);
            var probe = Path.Combine(spec.Output, $".write-check-{Guid.NewGuid():N}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            if (replacing)
            {
                RemoveWorkFiles(spec, keepParts: false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{where} cannot write the output folder '{spec.Output}': {e.Message}; input and output must be paths every silo sees.", e);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // The call that started the job (submit, wake) answers first; the job's work follows in later turns.
        await Task.Yield();
        try
        {
            if (S.Phase == JobPhase.Planning)
            {
                await PlanAsync(cancellationToken);
            }

            await StartAggregatorAsync();
            if (S.Phase == JobPhase.Running)
            {
                await RunShardsAsync(cancellationToken);
            }

            if (S.Phase == JobPhase.Assembling)
            {
                var spec = S.Spec!;
                var task = S.Task!;
                var columns = task.ScorePrefix is { } prefix ? new ScoreColumns(prefix, task.ClassNames!) : null;
                var shards = S.Shards.Count;

                // Off the grain's scheduler (which must not touch grain state from there): a long copy of files.
                await Task.Run(() => PartAssembler.AssembleAsync(spec.Output, PartFolder.PartsDirectory(spec.Output), shards, columns, task.WithFeature, cancellationToken), cancellationToken);
                await FeedAggregatorAsync(cancellationToken);
                await FinishAsync(JobPhase.Completed, null);
                RemoveWorkFilesOfEndedJob(spec, keepParts: false);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by the user (CancelAsync records it) or the activation is going away (the next one continues).
        }
        catch (InconsistentStateException e)
        {
            StandAside(e);
        }
        catch (Exception e) when (JobRefusal.IsOutputUnwritable(e))
        {
            // The parts already whole stay in parts/, so --resume continues from them once the device takes writes again.
            var error = JobRefusal.IsDiskFull(e)
                ? $"the output folder '{S.Spec!.Output}' has no space left on its device; free some and continue with --resume {S.Spec!.Output}"
                : $"the output folder '{S.Spec!.Output}' is on a read-only device; make it writable and continue with --resume {S.Spec!.Output}";
            logger.LogWarning("Job {Job} failed: {Error}", JobId, error);
            await FinishAsync(JobPhase.Failed, error);
        }
        catch (Exception e) when (JobRefusal.IsUsersProblem(e))
        {
            // Bad input, a missing file, a refused request: the job's error says it all, a stack trace would not help.
            logger.LogWarning("Job {Job} failed: {Error}", JobId, e.Message);
            await FinishAsync(JobPhase.Failed, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Job {Job} failed", JobId);
            await FinishAsync(JobPhase.Failed, e.Message);
        }
    }

    private async Task PlanAsync(CancellationToken cancellationToken)
    {
        var spec = S.Spec!;
        var folder = catalog.Folder(spec.Model);
        S.Task = await JobTaskResolver.ResolveAsync(spec, folder, GrainFactory, options.Value.TextEmbeddingTimeout, cancellationToken);
        var tokenizer = catalog.Tokenizer(spec.Model);
        var limits = security.Value;
        var plan = await Task.Run(() => JobPlanner.PlanAsync(spec, tokenizer, limits, cancellationToken), cancellationToken);
        S.InputSha256 = await Task.Run(() => Model.Folders.FileHash.Sha256(spec.Input), cancellationToken);
        PartFolder.Prepare(spec.Output);
        S.Shards = plan.Shards.Select(p => new ShardState { Plan = p }).ToList();
        (S.Records, S.Skipped, S.SkippedSamples, S.Repeats) = (plan.Records, plan.Skipped, [.. plan.SkippedSamples], plan.Repeats);

        // Parts an earlier run of this job left whole (a resubmission after the cluster lost the job) are kept.
        S.Reused = TakeOverFinishedParts();
        S.Phase = JobPhase.Running;
        await SaveAsync();
        WriteFolderRecord();
    }

    // A shard whose part is whole on disk is done, whether or not the state recorded it: its part was renamed into place
    // just before an activation died, or by an earlier run of the same job. Returns the records taken over.
    private long TakeOverFinishedParts()
    {
        var parts = PartFolder.PartsDirectory(S.Spec!.Output);
        long records = 0;
        foreach (var shard in S.Shards.Where(s => !s.Done))
        {
            if (PartFolder.TryRead(PartFolder.PathOf(parts, shard.Plan.Index)) is { } part && part.JobId == JobId
                && part.FirstRecord == shard.Plan.FirstRecord && part.Records == shard.Plan.Records)
            {
                (shard.Done, shard.Rows, shard.Failures, shard.Computed) = (true, part.Rows, part.Failures, 0);
                records += part.Records;
            }
        }

        return records;
    }

    private async Task StartAggregatorAsync()
    {
        var spec = S.Spec!;
        await BestEffortAsync(GrainFactory.GetGrain<IJobFiguresAggregatorGrain>(JobId).StartAsync(new JobStart(spec.Model, spec.Input, S.Records, S.Task?.ClassNames)));
    }

    private async Task RunShardsAsync(CancellationToken cancellationToken)
    {
        var spec = S.Spec!;
        if (TakeOverFinishedParts() > 0)
        {
            await SaveAsync();
        }

        await FeedAggregatorAsync(cancellationToken);
        using var shardsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Dictionary<int, Task<(ShardState Shard, PartResult? Result, Exception? Error)>>();
        var width = await ShardsInFlightAsync(spec);
        var sinceSave = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                foreach (var shard in S.Shards.Where(s => !s.Done && !inFlight.ContainsKey(s.Plan.Index)))
                {
                    if (inFlight.Count >= width)
                    {
                        break;
                    }

                    // Repeats point back only, so the earliest pending shard is always ready: no shard waits forever.
                    if (shard.Plan.Repeats.All(r => S.Shards[r].Done))
                    {
                        inFlight[shard.Plan.Index] = RunShardAsync(shard, shardsStop.Token);
                    }
                }

                if (inFlight.Count == 0)
                {
                    break;
                }

                var (finished, result, error) = await await Task.WhenAny(inFlight.Values);
                inFlight.Remove(finished.Plan.Index);
                if (result is null)
                {
                    throw error ?? new InvalidOperationException($"Shard {finished.Plan.Index} ended without a part.");
                }

                (finished.Done, finished.Rows, finished.Failures, finished.Computed, finished.Silo) = (true, result.Rows, result.Failures, result.Computed, null);

                // The whole state is written, so at most every StateSaveInterval: a part on disk is its own record of
                // being done (TakeOverFinishedParts), so a shard finished since the last write is never lost.
                if (sinceSave.Elapsed >= options.Value.StateSaveInterval)
                {
                    await SaveAsync();
                    sinceSave.Restart();
                }
                await BestEffortAsync(GrainFactory.GetGrain<IJobFiguresAggregatorGrain>(JobId).RecordShardAsync(result.ShardIndex, result.Rows, result.Failures, result.Actual, result.Predicted));
            }
        }
        finally
        {
            await shardsStop.CancelAsync();
            await Task.WhenAll(inFlight.Values);
        }

        if (spec.Layout == OutputLayout.Parts)
        {
            await IndexPartsAsync(spec, cancellationToken);
            await FeedAggregatorAsync(cancellationToken);
            await FinishAsync(JobPhase.Completed, null);
            RemoveWorkFilesOfEndedJob(spec, keepParts: true);
        }
        else
        {
            S.Phase = JobPhase.Assembling;
            await SaveAsync();
        }
    }

    // The job-wide index only spares readers opening every part's own: the parts are the job's output, so a job whose
    // index cannot be written (its folder just filled up, say) completes all the same, read part by part.
    private async Task IndexPartsAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        var parts = PartFolder.PartsDirectory(spec.Output);
        var shards = S.Shards.Count;
        try
        {
            await Task.Run(() => PartAssembler.IndexPartsAsync(parts, shards, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Job {Job}: the index of its parts could not be written ({Error}); pages read each part's own", JobId, e.Message);
        }
    }

    private async Task<int> ShardsInFlightAsync(JobSpec spec)
    {
        try
        {
            var devices = await deviceList.GetDevicesAsync().WaitAsync(options.Value.ControlCallTimeout);
            return Math.Max(spec.MaxShardsInFlight, (int)Math.Ceiling(JobDevices.Count(devices.Count, spec.MaxDevices) * options.Value.ShardsInFlightPerDevice));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return spec.MaxShardsInFlight;
        }
    }

    // One shard to its part: a fresh shard grain key per attempt (never an activation stuck on a dead silo), its silo
    // watched in this silo's membership view, backoff between attempts; a refused request is not retried.
    private async Task<(ShardState Shard, PartResult? Result, Exception? Error)> RunShardAsync(ShardState shard, CancellationToken cancellationToken)
    {
        var spec = S.Spec!;
        var task = S.Task!;
        var extraction = ExtractionCheck.Resolve(spec, catalog.Folder(spec.Model));
        var request = new PartRequest(
            JobId, shard.Plan.Index, ShardRecordsFile.PathOf(PartFolder.PlanDirectory(spec.Output), shard.Plan.Index), PartFolder.PartsDirectory(spec.Output),
            spec.Model, spec.MaxTokensPerBatch, spec.MaxBatchSize, task.Scoring, task.ScorePrefix, task.ClassNames, task.WithFeature, spec.ScoreLabels, spec.ShardSize, spec.Priority, spec.MaxDevices,
            extraction?.Outputs() ?? spec.Outputs,
            extraction);
        for (var attempt = 1; ; attempt++)
        {
            shard.Attempts++;
            var key = string.Create(CultureInfo.InvariantCulture, $"{JobId}/{shard.Plan.Index}/{shard.Attempts}");
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var grain = GrainFactory.GetGrain<IShardGrain>(key);
                var where = await grain.LocateAsync().WaitAsync(options.Value.ControlCallTimeout, cancellationToken);
                shard.Silo = where;
                var watch = WatchAsync(where, lost);
                try
                {
                    return (shard, await grain.WritePartAsync(request, lost.Token).WaitAsync(lost.Token), null);
                }
                finally
                {
                    await lost.CancelAsync();
                    await watch;
                }
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested)
            {
                return (shard, null, e);
            }
            catch (Exception e) when (e is not RequestRefusedException && !JobRefusal.IsOutputUnwritable(e) && attempt < options.Value.ShardAttempts)
            {
                logger.LogWarning(e, "Shard {Shard} of job {Job} failed (attempt {Attempt}); retrying", shard.Plan.Index, JobId, attempt);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 500 * (1 << (attempt - 1)))), cancellationToken);
                }
                catch (OperationCanceledException oce)
                {
                    return (shard, null, oce);
                }
            }
            catch (Exception e)
            {
                return (shard, null, e);
            }
        }
    }

    // A call to a grain on a silo that dies may be answered by no one until membership declares it dead; this silo's
    // membership view says so as soon as it knows, and the shard goes to another silo.
    private async Task WatchAsync(string where, CancellationTokenSource lost)
    {
        var address = SiloAddress.FromParsableString(where);
        try
        {
            while (!lost.IsCancellationRequested)
            {
                await Task.Delay(options.Value.SiloWatchInterval, lost.Token);
                if (membership.CurrentSnapshot.GetSiloStatus(address) != SiloStatus.Active)
                {
                    await lost.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The call ended, or its silo did.
        }
    }

    // The aggregator counts each shard once, so feeding it every finished part again (after it or this grain moved) is safe.
    private async Task FeedAggregatorAsync(CancellationToken cancellationToken)
    {
        // Starting is idempotent: an aggregator that lost its figures with its silo is started again first.
        await StartAggregatorAsync();
        var parts = PartFolder.PartsDirectory(S.Spec!.Output);
        var job = GrainFactory.GetGrain<IJobFiguresAggregatorGrain>(JobId);
        foreach (var shard in S.Shards.Where(s => s.Done))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (PartFolder.TryRead(PartFolder.PathOf(parts, shard.Plan.Index)) is { } part)
            {
                await BestEffortAsync(job.RecordShardAsync(part.ShardIndex, part.Rows, part.Failures, part.Actual, part.Predicted));
            }
        }
    }

    // The state's version fences the job: an activation whose write finds that another one wrote since it read (its silo
    // was leaving or cut off while the job woke elsewhere) is no longer in charge, records nothing and goes away.
    private void StandAside(InconsistentStateException e)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Job {Job} continues in another activation; this one stops: {Reason}", JobId, e.Message);
        }

        DeactivateOnIdle();
    }

    private async Task FinishAsync(JobPhase phase, string? error)
    {
        if (Final)
        {
            return;
        }

        var before = (S.Phase, S.Error, S.FinishedAt);
        (S.Phase, S.Error, S.FinishedAt) = (phase, error, DateTimeOffset.UtcNow);
        try
        {
            await SaveAsync();
        }
        catch (InconsistentStateException e)
        {
            // Not this activation's outcome to record: the one in charge decides, and this one's status must not say otherwise.
            (S.Phase, S.Error, S.FinishedAt) = before;
            StandAside(e);
            return;
        }

        WriteFolderRecord();
        await BestEffortAsync(GrainFactory.GetGrain<IJobIndexGrain>(0).FinishAsync(JobId));
        await CompleteAggregatorAsync();
        DelayDeactivation(TimeSpan.Zero);
    }

    // The aggregator stores its figures, so a completion it missed while moving off a dead silo would leave them
    // running for good: tried again with backoff until membership has moved it (shard attempts, capped at 10 s apart).
    private async Task CompleteAggregatorAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await GrainFactory.GetGrain<IJobFiguresAggregatorGrain>(JobId).FinishAsync(JobStates.Of(S.Phase), S.Error).WaitAsync(options.Value.ControlCallTimeout);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < options.Value.ShardAttempts)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug(e, "Could not complete job {Job}'s figures (attempt {Attempt}); trying again", JobId, attempt);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 500 * (1 << (attempt - 1)))));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not complete job {Job}'s figures; the job itself is complete", JobId);
                return;
            }
        }
    }

    private void WriteFolderRecord()
    {
        var spec = S.Spec!;
        try
        {
            new JobFolderRecord(
                JobId, JobStates.Of(S.Phase), spec.Model, S.ModelManifestSha256 ?? string.Empty, S.Task?.Name ?? spec.Task ?? string.Empty, spec.Input, S.InputSha256,
                S.Shards.Sum(s => (long)s.Rows), S.Shards.Sum(s => (long)s.Failures), S.Task?.ClassNames, S.Error, spec, DateTimeOffset.UtcNow).Write(spec.Output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not write the job record of {Job} in {Folder}", JobId, spec.Output);
        }
    }

    // Tidying after the job's end is recorded: the outcome stands whatever happens here, so a failure is logged, never
    // thrown into RunAsync's handlers, which would log "Job failed" for a completed job (its output folder removed by
    // its owner as soon as they saw it complete, while this removal was walking it).
    private void RemoveWorkFilesOfEndedJob(JobSpec spec, bool keepParts)
    {
        try
        {
            RemoveWorkFiles(spec, keepParts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Job {Job} ended {Phase}; its work folders in {Folder} could not be removed: {Error}", JobId, S.Phase, spec.Output, e.Message);
        }
    }

    private static void RemoveWorkFiles(JobSpec spec, bool keepParts)
    {
        foreach (var directory in keepParts
            ? [PartFolder.PlanDirectory(spec.Output), PartFolder.TemporaryRoot(spec.Output)]
            : new[] { PartFolder.PlanDirectory(spec.Output), PartFolder.TemporaryRoot(spec.Output), PartFolder.PartsDirectory(spec.Output) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private JobStatus Status() => new(
        JobId, S.Spec!, S.Phase, S.Shards.Count, S.Shards.Count(s => s.Done), S.Records, S.Shards.Sum(s => (long)s.Rows), S.Shards.Sum(s => (long)s.Failures),
        S.Skipped, S.SkippedSamples, S.Error, S.SubmittedAt, S.FinishedAt, S.Task?.Name, S.Task?.ClassNames, S.Reused,
        S.Shards.Sum(s => (long)s.Computed));

    private async Task SaveAsync()
    {
        await _saving.WaitAsync();
        try
        {
            var started = Stopwatch.GetTimestamp();
            while (true)
            {
                try
                {
                    await state.WriteStateAsync();
                    return;
                }
                catch (Exception e) when (e is not InconsistentStateException && Stopwatch.GetElapsedTime(started) < options.Value.StorageOutage)
                {
                    // The store did not answer (a Redis cut off or restarting): the same write again, once a second. A
                    // newer version (InconsistentStateException) is the fence against another activation, never retried.
                    logger.LogWarning("Job {Job}: recording its state failed ({Error}); retrying", JobId, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }
        }
        finally
        {
            _saving.Release();
        }
    }

    // Figures only: the aggregator may be moving after its silo died, and nothing the job writes depends on it.
    private async Task BestEffortAsync(Task call)
    {
        try
        {
            await call.WaitAsync(options.Value.ControlCallTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug(e, "A call for job {Job}'s figures failed", JobId);
            }
        }
    }
}
