using System.Globalization;
using System.Text;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Pipeline;

namespace ProtSt.Testing;

/// <summary>
/// Runs in-memory records as a job through the one submission path (<see cref="IJobCoordinatorGrain.SubmitAsync"/>, as
/// the CLI and POST /api/jobs do): writes them to a temporary input file, submits, follows the job's status to its end,
/// then hands the caller one row per record in input order, read back from the job's output folder (a record the
/// devices failed on carries its <see cref="ShardRow.DeviceError"/>; a record the planner skipped as invalid has none).
/// </summary>
public sealed class JobDriver(IGrainFactory grains, ScreenOptions options, DrivenTask? task = null)
{
    private const int CallAttempts = 6;
    // Short: the benchmarks time jobs through this driver, and a job's end is seen at most one interval late.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs the job to its end and returns its aggregator's final snapshot; throws when the job failed or was cancelled.</summary>
    public async Task<JobSnapshot> RunAsync(
        string jobId, string modelDirectory, IAsyncEnumerable<SequenceRecord> records, Func<ShardRow, ValueTask> onRow, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("protst-job-");
        try
        {
            var input = new List<SequenceRecord>();
            await foreach (var record in records.WithCancellation(cancellationToken))
            {
                input.Add(record);
            }

            // Labels need a tabular input (the planner reads a label column there); plain records go as FASTA.
            var labelled = input.Any(r => r.Label is not null);
            var inputPath = Path.Combine(work.FullName, labelled ? "input.tsv" : "input.fasta");
            await File.WriteAllTextAsync(inputPath, labelled ? Tsv(input) : Fasta(input), cancellationToken);
            var output = Path.Combine(work.FullName, "out");
            var spec = new JobSpec(
                "screen", inputPath, output, Path.GetFullPath(modelDirectory), task?.Name, task?.LabelsPath, false, task?.PromptTemplate ?? LabelSet.DefaultTemplate,
                options.FailOnInvalid, labelled, OutputLayout.Assembled, options.ShardSize, options.MaxTokensPerBatch, options.MaxBatchSize, options.MaxShardsInFlight);

            var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
            var status = await CallAsync(() => coordinator.SubmitAsync(spec), cancellationToken);
            while (!status.Final)
            {
                await Task.Delay(PollInterval, cancellationToken);
                status = await CallAsync(coordinator.GetStatusAsync, cancellationToken) ?? status;
            }

            if (status.Phase != JobPhase.Completed)
            {
                throw new InvalidOperationException($"Job {jobId} ended {status.Phase}: {status.Error}");
            }

            var ids = input.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var rows = await PartRows.ReadAsync(output, ids, status.TaskName == JobTaskResolver.ZeroShot, status.ClassNames is not null, cancellationToken);
            foreach (var record in input)
            {
                if (rows.TryGetValue(record.Id, out var row))
                {
                    await onRow(row);
                }
            }

            // The coordinator completes the figures just after it records the job's end.
            var figures = grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
            var snapshot = await CallAsync(figures.GetSnapshotAsync, cancellationToken);
            for (var wait = Stopwatch(); !snapshot.Completed && wait.Elapsed < options.ControlCallTimeout;)
            {
                await Task.Delay(PollInterval, cancellationToken);
                snapshot = await CallAsync(figures.GetSnapshotAsync, cancellationToken);
            }

            return snapshot;
        }
        finally
        {
            await RemoveAsync(work);
        }
    }

    /// <summary>
    /// Waits until job <paramref name="jobId"/> has at least <paramref name="rows"/> rows in finished shards, or
    /// <paramref name="job"/> ended, or <paramref name="timeout"/> passed: for tests that change the cluster mid-job.
    /// </summary>
    public static async Task WaitForRowsAsync(IGrainFactory grains, string jobId, long rows, Task job, TimeSpan timeout)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        for (var wait = Stopwatch(); !job.IsCompleted && wait.Elapsed < timeout; await Task.Delay(50))
        {
            try
            {
                if ((await coordinator.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5)))?.Rows >= rows)
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The coordinator may be moving after its silo died; ask again.
            }
        }
    }

    // The coordinator removes its work folders (plan, parts) just after the job's end is recorded, maybe while this runs.
    private static async Task RemoveAsync(DirectoryInfo work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                work.Refresh();
                if (work.Exists)
                {
                    work.Delete(recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                await Task.Delay(200 * attempt);
            }
            catch (IOException)
            {
                // A temporary folder left behind costs nothing the test checks.
                return;
            }
        }
    }

    private static System.Diagnostics.Stopwatch Stopwatch() => System.Diagnostics.Stopwatch.StartNew();

    // A call to a grain whose silo died may go unanswered until membership notices: each call is bounded, and tried again.
    private async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(options.ControlCallTimeout, cancellationToken);
            }
            catch (Exception e) when (attempt < CallAttempts && e is not OperationCanceledException && e is not RequestRefusedException)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private static string Fasta(IEnumerable<SequenceRecord> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            text.Append('>').Append(record.Id).Append('\n').Append(record.Sequence).Append('\n');
        }

        return text.ToString();
    }

    private static string Tsv(IEnumerable<SequenceRecord> records)
    {
        var text = new StringBuilder("id\tsequence\tlabel\n");
        foreach (var record in records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{record.Id}\t{record.Sequence}\t{record.Label}\n");
        }

        return text.ToString();
    }
}
