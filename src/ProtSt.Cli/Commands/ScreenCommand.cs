using System.CommandLine;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Jobs;
using ProtSt.Pipeline;
using ProtSt.Silo;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst screen</c>: a proteome through the Orleans cluster (the embedded in-process silo by default).</summary>
internal static class ScreenCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i") { Description = "Input FASTA, CSV or TSV (with a header: id and sequence or prot_seq columns), plain or gzip-compressed." };
        var model = new Option<string?>("--model", "-m") { Description = "A converted model folder (default: the built-in untrained demo model)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder: results.tsv, embeddings.parquet, failures.tsv for records the devices failed on, and progress.json for --resume." };
        var resume = new Option<string?>("--resume") { Description = "Continue the stopped job whose output folder this is: rows already written are kept and not computed again; input, model and task come from its progress.json." };
        var onInvalid = new Option<string>("--on-invalid") { Description = "skip (report with file and line, continue) or fail.", DefaultValueFactory = _ => "fail" };
        onInvalid.AcceptOnlyFromAmong("skip", "fail");
        var devices = CliOptions.Devices("Devices of the embedded silo (default from configs: one device using all cores).");
        var cluster = new Option<string?>("--cluster") { Description = "Submit to a running cluster whose membership is in this Redis (e.g. 127.0.0.1:6379) instead of an embedded silo." };
        var keepView = new Option<bool?>("--keep-view") { Description = "Keep serving the embedded silo's job view after the job ends, until Ctrl+C (default: yes in a terminal, no in scripts)." };
        var task = new TaskOptions(embedAllowed: true);
        var command = new Command("screen", "Screen a proteome through the cluster: one row and one embedding per record, and zero-shot scores or class probabilities for ProtST models.")
        {
            input, model, output, resume, onInvalid, devices, cluster, keepView,
        };
        foreach (var option in task.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            ScreenJob job;
            if (parse.GetValue(resume) is { } folder)
            {
                var fixedByTheJob = new Option[] { input, model, output, onInvalid }.Concat(task.All).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (fixedByTheJob.Count > 0)
                {
                    throw new ArgumentException($"--resume continues the job as it was started; leave out {string.Join(", ", fixedByTheJob)} (they come from {Path.Combine(folder, ScreenProgress.FileName)}).");
                }

                var progress = ScreenProgress.Read(folder)
                    ?? throw new FileNotFoundException($"'{folder}' has no {ScreenProgress.FileName}: it is not the output folder of a screen that can be resumed.", Path.Combine(folder, ScreenProgress.FileName));
                if (progress.Complete)
                {
                    Console.WriteLine($"job {progress.JobId} in {Path.GetFullPath(folder)} is complete ({progress.Files.Rows} rows, {progress.Files.Failures} failed); nothing to resume.");
                    return 0;
                }

                job = ScreenJob.Resuming(progress, folder, parse.GetValue(devices), parse.GetValue(cluster), parse.GetValue(keepView));
            }
            else
            {
                if (parse.GetValue(input) is null || parse.GetValue(output) is null)
                {
                    throw new ArgumentException("screen needs --input and --output (or --resume <output folder> to continue a stopped job).");
                }

                job = new ScreenJob(
                    parse.GetValue(input)!,
                    parse.GetValue(model),
                    parse.GetValue(output)!,
                    task.Read(parse),
                    parse.GetValue(onInvalid) == "fail",
                    parse.GetValue(devices),
                    parse.GetValue(cluster),
                    "screen",
                    parse.GetValue(keepView));
            }

            await RunAsync(job, CliConfiguration.Load(parse), ct);
            return 0;
        }));
        return command;
    }

    /// <summary>Runs one job through the cluster and writes its outputs; shared by <c>screen</c> and <c>eval</c>.</summary>
    public static async Task<ScreenOutcome> RunAsync(ScreenJob request, CliConfiguration configuration, CancellationToken ct)
    {
        var resuming = request.ResumeFrom;
        resuming?.CheckUnchanged();
        var modelDirectory = ModelChoice.Resolve(request.Model, configuration.Inference.VerifyModelHash);
        var fail = request.FailOnInvalid;
        var screen = configuration.Screen with { FailOnInvalid = fail };
        var deviceOptions = configuration.Devices;
        deviceOptions.Count = request.Devices ?? deviceOptions.Count;
        var inputPath = request.Input;
        InputFile.Check(inputPath);
        var outputDirectory = request.Output;
        OutputFolder.Check(outputDirectory);
        if (resuming is null && request.Resumable && ScreenProgress.Read(outputDirectory) is { Complete: false } unfinished)
        {
            throw new InvalidOperationException(
                $"'{outputDirectory}' holds the unfinished job {unfinished.JobId} ({unfinished.Records} records written); continue it with --resume {outputDirectory}, or choose another output folder.");
        }

        var skipped = checked((int)(resuming?.ShardSkipped ?? 0));

        await using IClusterConnection connection = request.Cluster is { Length: > 0 } redis
            ? await ClusterClient.ConnectAsync(redis, configuration.ClusterId, configuration.Security.ApiKey, configuration.Screen.ConnectTimeout, ct)
            : await EmbeddedSiloHost.StartAsync(deviceOptions, configuration.Monitoring, configuration.Security, ct);

        // Each run gets its own aggregator (its figures are this run's); the output folder keeps the job's first id.
        var jobId = $"{request.JobPrefix}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var view = await JobView.AddressAsync(connection.Grains, jobId, screen.ControlCallTimeout, ct);
        Console.WriteLine($"job view: {view ?? "none (no silo host in the cluster serves one)"}");
        var task = await JobTask.ResolveAsync(request.Task, modelDirectory, connection.Grains, screen.TextEmbeddingTimeout, ct);
        var withFeature = task.Task == ScreenTask.ZeroShot;
        await using var writer = resuming is null
            ? new ScreenResultWriter(outputDirectory, task.Columns, withFeature, screen.CheckpointRecords)
            : ScreenResultWriter.Resume(outputDirectory, resuming.Files, task.Columns, withFeature, screen.CheckpointRecords);
        var progress = resuming ?? new ScreenProgress(
            ScreenProgress.CurrentFormat, jobId, request.JobPrefix, Path.GetFullPath(inputPath), Model.Folders.FileHash.Sha256(inputPath), Path.GetFullPath(modelDirectory),
            ScreenRecord.ManifestHash(modelDirectory), request.Task, fail, Records: 0, ShardSkipped: 0, Complete: false, Files: await writer.CheckpointAsync(ct));
        var clusterProgress = request.Cluster is null ? null : new ClusterProgress(connection.Grains.GetGrain<IJobProgressGrain>(progress.JobId), outputDirectory);
        var keeper = new ScreenProgressKeeper(outputDirectory, progress, writer, screen.CheckpointRecords, screen.CheckpointInterval, clusterProgress is null ? null : clusterProgress.SaveAsync);
        if (resuming is null)
        {
            // The record just built holds the new files' first checkpoint; a second one would close them again for nothing.
            progress.Write(outputDirectory);
        }
        else
        {
            Console.WriteLine($"resuming job {resuming.JobId}: {resuming.Records} records already written are kept ({resuming.Files.Rows} rows, {resuming.Files.Failures} failed).");
            if (clusterProgress is not null && await clusterProgress.GetAsync() is { } stored)
            {
                Console.WriteLine($"the cluster's record of the job: {stored.Records} records committed at {stored.UpdatedAt:u} in {stored.Host}:{stored.OutputFolder}.");
            }
        }

        var driver = new JobDriver(connection.Grains, screen, task.Labels);
        var records = SequenceInput.ReadAsync(inputPath, configuration.Security.InputLimits, fail ? InvalidRecordPolicy.Fail : InvalidRecordPolicy.Skip, Report, ct)
            .Skip(checked((int)progress.Records));

        void Report(InputProblem problem)
        {
            skipped++;
            Console.Error.WriteLine($"skipped: {problem}");
        }

        void ReportFromShard(InputProblem problem)
        {
            keeper.ShardSkipped();
            Report(problem);
        }

        async ValueTask Write(ShardRow row)
        {
            if (row.DeviceError is { } error)
            {
                await writer.WriteFailureAsync(row.Id, row.Length, error, ct);
            }
            else
            {
                await writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, row.Feature, task.Columns is null ? null : row.Scores, ct);
            }

            await keeper.WrittenAsync(ct);
        }

        var jobGrain = connection.Grains.GetGrain<IJobGrain>(jobId);

        // Knowing the size up front gives the progress bar a percentage and the aggregator an ETA.
        long? expected = null;
        try
        {
            expected = await SequenceInput.CountAsync(inputPath, configuration.Security.InputLimits, ct) - progress.Records;
        }
        catch (InvalidInputException)
        {
            // The real pass reports the problem, with its policy.
        }

        JobSnapshot snapshot;
        try
        {
            snapshot = await WithProgressAsync(jobGrain, screen.ControlCallTimeout, () => driver.RunAsync(jobId, modelDirectory, inputPath, expected, records, Write, ReportFromShard, ct));
        }
        catch (Exception e)
        {
            // Whatever stopped the job (Ctrl+C, a lost cluster, an invalid record under --on-invalid fail), the rows
            // written so far stay usable and are not computed again.
            await StopResumablyAsync(keeper, outputDirectory, request.Resumable && ResumeHint.Helps(e));
            throw;
        }

        await keeper.CheckpointAsync(complete: true, ct);
        var accuracy = snapshot.Classification is { Labelled: > 0 } figures
            ? $", accuracy {figures.Accuracy:P1} on {figures.Labelled} labelled records"
            : string.Empty;
        var resumed = resuming is null ? string.Empty : $" (resumed: {resuming.Records} of them from the stopped run)";
        Console.WriteLine(
            $"screened {writer.Rows} records{resumed} ({snapshot.SequencesComputed} distinct sequences, {snapshot.Residues} residues in this run) in {snapshot.Elapsed.TotalSeconds:F1} s: " +
            $"{snapshot.Rows / Math.Max(snapshot.Elapsed.TotalSeconds, 1e-9):F1} records/s, {snapshot.ResiduesPerSecond:F0} residues/s, " +
            $"padding efficiency {(double)snapshot.RealTokens / Math.Max(1, snapshot.PaddedTokens):P1} on {snapshot.Devices.Count} device(s) of the {connection.Description}" +
            accuracy + (skipped > 0 ? $", {skipped} skipped" : string.Empty) +
            (writer.Failures > 0 ? $", {writer.Failures} failed on the devices (see {ScreenResultWriter.FailuresFile})" : string.Empty) + $"; wrote {Path.GetFullPath(outputDirectory)}");
        var taskName = task.Task switch { ScreenTask.ZeroShot => "zero-shot", ScreenTask.Classify => "classify", _ => "embed" };
        new ScreenRecord(progress.JobId, Path.GetFullPath(modelDirectory), ScreenRecord.ManifestHash(modelDirectory), taskName, Path.GetFullPath(inputPath), writer.Rows, task.Labels?.ClassNames)
            .Write(outputDirectory);
        if (connection is EmbeddedSiloHost && view is not null && (request.KeepView ?? JobView.InTerminal))
        {
            await JobView.KeepOpenAsync(view, ct);
        }

        return new ScreenOutcome(snapshot, modelDirectory, task, writer.Rows, skipped);
    }

    private static async Task StopResumablyAsync(ScreenProgressKeeper keeper, string outputDirectory, bool hint)
    {
        try
        {
            await keeper.CheckpointAsync(complete: false, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not record the job's progress ({e.Message}); --resume continues from the previous checkpoint.");
        }

        if (hint)
        {
            Console.Error.WriteLine($"stopped with {keeper.Committed} records written; continue with: protst screen --resume {outputDirectory}");
        }
    }

    private static async Task<JobSnapshot> WithProgressAsync(IJobGrain job, TimeSpan callTimeout, Func<Task<JobSnapshot>> run)
    {
        if (!CommandErrors.Status.Profile.Capabilities.Interactive)
        {
            return await run();
        }

        JobSnapshot? result = null;
        await CommandErrors.Status.Progress()
            .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: double.MaxValue);
                var running = run();
                while (await Task.WhenAny(running, Task.Delay(500)) != running)
                {
                    JobSnapshot s;
                    try
                    {
                        s = await job.GetSnapshotAsync().WaitAsync(callTimeout);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The aggregator's silo may have died; the progress line waits for it, the job does not.
                        continue;
                    }

                    var eta = s.Eta is { } remaining ? $", ETA {remaining:hh\\:mm\\:ss}" : string.Empty;
                    var share = s.ExpectedRecords is > 0 and var total ? $" of {total} ({100.0 * s.Rows / total:F0}%)" : string.Empty;
                    var accuracy = s.Classification is { Labelled: > 0 } c ? $", accuracy {c.Accuracy:P1}" : string.Empty;
                    task.Description = $"{s.Rows}{share} records, {s.WindowSequencesPerSecond:F1} seq/s (last 10 s), {s.ResiduesPerSecond:F0} residues/s{accuracy}{eta}";
                }

                result = await running;
                task.StopTask();
            });
        return result!;
    }
}
