using System.CommandLine;
using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Pipeline;
using ProtSt.Silo;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst screen</c>: a proteome through the Orleans cluster (the embedded in-process silo by default).</summary>
internal static class ScreenCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i") { Description = "Input FASTA, CSV or TSV (with a header: id and sequence or prot_seq columns), plain or gzip-compressed; with --cluster, a path every silo can read." };
        var model = new Option<string?>("--model", "-m") { Description = "A converted model folder (default: the built-in untrained demo model)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (with --cluster, a path every silo can write): results.tsv, embeddings.parquet, failures.tsv for records the devices failed on, job.json, and with --include residues.parquet and contacts.parquet." };
        var resume = new Option<string?>("--resume") { Description = "Continue the job whose output folder this is (the same as protst attach with that folder): finished parts are kept, not computed again." };
        var onInvalid = new Option<string>("--on-invalid") { Description = "skip (report with file and line, continue) or fail.", DefaultValueFactory = _ => "fail" };
        onInvalid.AcceptOnlyFromAmong([.. JobChoices.InvalidRecordPolicies]);
        var devices = CliOptions.Devices("Devices of the embedded silo (default from configs: one device using all cores).");
        var cluster = CliOptions.ClusterOption("Submit to a running cluster whose membership is in this Redis (e.g. 127.0.0.1:6379) instead of an embedded silo.");
        var keepView = new Option<bool?>("--keep-view") { Description = "Keep serving the embedded silo's job view after the job ends, until Ctrl+C (default: yes in a terminal, no in scripts)." };
        var overwrite = CliOptions.Overwrite();
        var detach = new Option<bool>("--detach") { Description = "With --cluster: print the job's id and return; the job runs in the cluster (protst jobs, attach, cancel)." };
        var layout = new Option<string>("--output-layout") { Description = "assembled (results.tsv, failures.tsv, embeddings.parquet in input order) or parts (the shards' files under parts/, one dataset).", DefaultValueFactory = _ => "assembled" };
        layout.AcceptOnlyFromAmong([.. JobChoices.Layouts]);
        var task = new TaskOptions(embedAllowed: true);
        var sharing = new SharingOptions();
        var extraction = new ExtractionOptions();
        var command = new Command("screen", "Screen a proteome through the cluster: one row and one embedding per record, and zero-shot scores or class probabilities for ProtST models.")
        {
            input, model, output, resume, onInvalid, devices, cluster, keepView, detach, layout, overwrite,
        };
        foreach (var option in task.All.Concat(sharing.All).Concat(extraction.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            if (parse.GetValue(resume) is { } folder)
            {
                var fixedByTheJob = new Option[] { input, model, output, onInvalid, layout, overwrite }.Concat(task.All).Concat(sharing.All).Concat(extraction.All).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (fixedByTheJob.Count > 0)
                {
                    throw new ArgumentException($"--resume continues the job as it was started; leave out {string.Join(", ", fixedByTheJob)} (they come from {Path.Combine(folder, JobFolderRecord.FileName)}).");
                }

                return await ContinueAsync(folder, parse.GetValue(cluster), parse.GetValue(devices), parse.GetValue(keepView), configuration, ct);
            }

            if (parse.GetValue(input) is null || parse.GetValue(output) is null)
            {
                throw new ArgumentException("screen needs --input and --output (or --resume <output folder> to continue a stopped job).");
            }

            var request = extraction.Apply(sharing.Apply(new JobRequest(
                "screen",
                parse.GetValue(input)!,
                parse.GetValue(output)!,
                ModelChoice.Resolve(parse.GetValue(model), configuration.Inference.VerifyModelHash),
                task.Read(parse),
                task.LabelsPath(parse),
                task.Descriptions(parse),
                task.Template(parse),
                JobChoices.FailOnInvalid(parse.GetValue(onInvalid)),
                Layout: JobChoices.Layout(parse.GetValue(layout)),
                Overwrite: parse.GetValue(overwrite)), parse), parse);
            var outcome = await RunAsync(new ScreenJob(request, parse.GetValue(devices), parse.GetValue(cluster), parse.GetValue(keepView), parse.GetValue(detach)), configuration, ct);
            return outcome is null ? 0 : ExitCode(outcome.Status);
        }));
        return command;
    }

    /// <summary><c>--resume</c> and <c>attach</c> with a folder: the job its job.json names, after checking that its input and model are unchanged.</summary>
    public static async Task<int> ContinueAsync(string folder, string? cluster, int? devices, bool? keepView, CliConfiguration configuration, CancellationToken ct)
    {
        var record = JobFolderRecord.Read(folder)
            ?? throw new FileNotFoundException($"'{folder}' has no {JobFolderRecord.FileName}: it is not the output folder of a job that can be continued.", Path.Combine(folder, JobFolderRecord.FileName));
        if (record.State == "completed")
        {
            Console.WriteLine($"job {record.JobId} in {Path.GetFullPath(folder)} is complete ({record.Rows} rows, {record.Failures} failed); nothing to resume.");
            return 0;
        }

        // job.json of an older protst (a client-side job with progress.json) names no spec to continue from.
        var spec = record.Spec
            ?? throw new InvalidDataException($"{Path.Combine(folder, JobFolderRecord.FileName)} was written by an earlier protst and names no job to continue; screen the input again into a new folder.");
        if (!File.Exists(spec.Input))
        {
            throw new FileNotFoundException($"The job's input '{spec.Input}' no longer exists; continuing needs the same file.", spec.Input);
        }

        if (record.InputSha256 is { } inputHash && FileHash.Sha256(spec.Input) != inputHash)
        {
            throw new InvalidOperationException($"The job's input '{spec.Input}' changed since the job started (its SHA-256 differs); continuing needs the same file.");
        }

        if (JobFolderRecord.ManifestHash(spec.Model) != record.ModelManifestSha256)
        {
            throw new InvalidOperationException($"The job's model folder '{spec.Model}' changed since the job started (its manifest's SHA-256 differs); continuing needs the same model.");
        }

        Console.WriteLine($"continuing job {record.JobId} of {Path.GetFullPath(folder)}: parts it finished are kept.");
        var request = new JobRequest(spec.Kind, spec.Input, spec.Output, spec.Model, spec.Task, spec.LabelsPath, spec.LabelDescriptions, spec.PromptTemplate, spec.FailOnInvalid, spec.ScoreLabels, spec.Layout, spec.Priority, spec.MaxDevices, spec.Extract);
        var outcome = await RunAsync(new ScreenJob(request, devices, cluster, keepView, ContinueJobId: record.JobId), configuration, ct, spec);
        return outcome is null ? 0 : ExitCode(outcome.Status);
    }

    /// <summary>A job's outcome as the command's exit code: 0 completed, 1 failed, 130 cancelled.</summary>
    public static int ExitCode(JobStatus status) => status.Phase switch
    {
        JobPhase.Completed => 0,
        JobPhase.Cancelled => 130,
        _ => 1,
    };

    /// <summary>
    /// Submits one job (or continues one) and, unless detached, follows it to its end and prints its summary; shared
    /// by <c>screen</c>, <c>eval</c> and <c>finetune</c>. Null when detached.
    /// </summary>
    public static async Task<ScreenOutcome?> RunAsync(ScreenJob job, CliConfiguration configuration, CancellationToken ct, JobSpec? continuing = null)
    {
        var client = configuration.JobClient;
        if (job.Detach && job.Cluster is null)
        {
            throw new ArgumentException("--detach needs --cluster: a job on the embedded silo lives only as long as this command.");
        }

        var spec = continuing ?? JobSubmitter.Spec(job.Request, client);
        // A file where the output folder should be is refused before any silo is asked (a client on another machine
        // sees no such file and leaves the check to the silo). The input is checked here only for the embedded silo,
        // which reads this machine's files; a cluster's silos check it where they read it.
        OutputFolder.Check(spec.Output);
        if (job.Cluster is null)
        {
            InputFile.Check(spec.Input);
        }

        if (job.ContinueJobId is null && job.Resumable && !spec.Overwrite && JobFolderRecord.Read(spec.Output) is { State: "planning" or "running" or "assembling" } unfinished)
        {
            throw new InvalidOperationException(
                $"'{spec.Output}' holds the unfinished job {unfinished.JobId}; continue it with --resume {spec.Output} (or protst attach {unfinished.JobId}), or choose another output folder.");
        }

        await using var connection = await JobConnection.OpenAsync(job.Cluster, configuration, job.Devices, ct);
        var jobId = job.ContinueJobId ?? JobSubmitter.NewId(job.Request.Kind);
        var known = job.ContinueJobId is null ? null : await ClusterCall.RetryAsync(() => connection.Grains.GetGrain<IJobCoordinatorGrain>(jobId).GetStatusAsync(), client.ControlCallTimeout, client.GrainMoveTimeout, $"looking up job {jobId}", ct);
        _ = known ?? await JobSubmitter.SubmitAsync(connection.Grains, jobId, spec, client, ct);
        if (job.Detach)
        {
            Console.WriteLine($"job: {jobId}");
            Console.WriteLine($"follow it with: protst attach {jobId} --cluster {job.Cluster}");
            return null;
        }

        return await FollowAsync(connection, jobId, job.Cluster, job.KeepView, job.Resumable, configuration, ct);
    }

    /// <summary>Follows a submitted job to its end, prints its summary (or its error) and returns its outcome.</summary>
    public static async Task<ScreenOutcome> FollowAsync(
        IClusterConnection connection, string jobId, string? cluster, bool? keepView, bool resumable, CliConfiguration configuration, CancellationToken ct)
    {
        var client = configuration.JobClient;
        var view = await JobView.AddressAsync(connection.Grains, jobId, client.ControlCallTimeout, ct);
        Console.WriteLine($"job view: {view ?? "none (no silo host in the cluster serves one)"}");
        Console.WriteLine($"job: {jobId}");
        JobStatus status;
        JobSnapshot? snapshot;
        try
        {
            (status, snapshot) = await JobProgressLine.FollowAsync(CommandErrors.Status, new JobWatcher(connection.Grains, client), jobId, ct);
        }
        catch (ClusterLostException e)
        {
            // One line, then out: the job is safe in the cluster's storage, and closing a client whose gateways are all
            // gone can wait on the runtime for a long time (seen under load), so nothing is left to wait for.
            Console.Error.WriteLine($"error: {e.Message}");
            Environment.Exit(1);
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine(cluster is null
                ? resumable ? $"stopped; continue with: protst screen --resume <output folder> (job {jobId})" : "stopped."
                : $"stopped following job {jobId}; it continues in the cluster: protst attach {jobId} --cluster {cluster}");
            throw;
        }

        foreach (var skipped in status.SkippedSamples)
        {
            Console.Error.WriteLine($"skipped: {skipped}");
        }

        if (status.Skipped > status.SkippedSamples.Count)
        {
            Console.Error.WriteLine($"skipped: {status.Skipped - status.SkippedSamples.Count} more invalid records");
        }

        // The aggregator's figures are best effort; without them the summary still counts the rows.
        snapshot ??= new JobSnapshot(jobId, true, status.Rows, status.Failures, 0, 0, 0, 0, TimeSpan.Zero, 0, 0, 0, status.Records, null, [], null);
        switch (status.Phase)
        {
            case JobPhase.Failed:
                Console.Error.WriteLine($"error: {status.Error}");
                return new ScreenOutcome(status, snapshot);
            case JobPhase.Cancelled:
                Console.Error.WriteLine($"job {jobId} was cancelled after {status.ShardsDone} of {status.Shards} shards ({status.Rows} rows); its folder says so ({status.Spec.Output}/{JobFolderRecord.FileName}).");
                return new ScreenOutcome(status, snapshot);
        }

        var accuracy = snapshot.Classification is { Labelled: > 0 } figures
            ? $", accuracy {figures.Accuracy:P1} on {figures.Labelled} labelled records"
            : string.Empty;
        var resumed = status.ReusedRecords > 0 ? $" (resumed: {status.ReusedRecords} of them from the stopped run)" : string.Empty;
        var where = status.Spec.Layout == OutputLayout.Parts ? $"wrote the parts under {Path.Combine(status.Spec.Output, "parts")}" : $"wrote {status.Spec.Output}";
        Console.WriteLine(
            $"screened {status.Rows + status.Failures} records{resumed} ({status.Computed} distinct sequences, {snapshot.Residues} residues in this run) in {snapshot.Elapsed.TotalSeconds:F1} s: " +
            $"{snapshot.Rows / Math.Max(snapshot.Elapsed.TotalSeconds, 1e-9):F1} records/s, {snapshot.ResiduesPerSecond:F0} residues/s, " +
            $"padding efficiency {(double)snapshot.RealTokens / Math.Max(1, snapshot.PaddedTokens):P1} on {snapshot.Devices.Count} device(s) of the {connection.Description}" +
            accuracy + (status.Skipped > 0 ? $", {status.Skipped} skipped" : string.Empty) +
            (status.Failures > 0 ? $", {status.Failures} failed on the devices (see {FailuresTable.FileName})" : string.Empty) + $"; {where}");
        if (connection is EmbeddedSiloHost && view is not null && (keepView ?? JobView.InTerminal))
        {
            await JobView.KeepOpenAsync(view, ct);
        }

        return new ScreenOutcome(status, snapshot);
    }
}
