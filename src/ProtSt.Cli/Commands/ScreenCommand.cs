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
        var input = new Option<string>("--input", "-i") { Description = "Input FASTA, CSV or TSV (with a header: id and sequence or prot_seq columns), plain or gzip-compressed.", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "A converted model folder (default: the built-in untrained demo model)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder: results.tsv and embeddings.parquet.", Required = true };
        var onInvalid = new Option<string>("--on-invalid") { Description = "skip (report with file and line, continue) or fail.", DefaultValueFactory = _ => "fail" };
        onInvalid.AcceptOnlyFromAmong("skip", "fail");
        var devices = new Option<int?>("--devices") { Description = "Devices of the embedded silo (default from configs: one device using all cores)." };
        var cluster = new Option<string?>("--cluster") { Description = "Submit to a running cluster whose membership is in this Redis (e.g. 127.0.0.1:6379) instead of an embedded silo." };
        var keepView = new Option<bool?>("--keep-view") { Description = "Keep serving the embedded silo's job view after the job ends, until Ctrl+C (default: yes in a terminal, no in scripts)." };
        var command = new Command("screen", "Screen a proteome through the cluster: one row and one embedding per record.")
        {
            input, model, output, onInvalid, devices, cluster, keepView,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse.GetValue(CliOptions.Config) ?? []);
            var modelDirectory = ModelChoice.Resolve(parse.GetValue(model), configuration.Inference.VerifyModelHash);

            var fail = parse.GetValue(onInvalid) == "fail";
            var screen = configuration.Screen with { FailOnInvalid = fail };
            var deviceOptions = configuration.Devices;
            deviceOptions.Count = parse.GetValue(devices) ?? deviceOptions.Count;
            var inputPath = parse.GetValue(input)!;
            var outputDirectory = parse.GetValue(output)!;
            var skipped = 0;

            await using IClusterConnection connection = parse.GetValue(cluster) is { Length: > 0 } redis
                ? await ClusterClient.ConnectAsync(redis, configuration.ClusterId, ct)
                : await EmbeddedSiloHost.StartAsync(deviceOptions, configuration.Monitoring, ct);
            var jobId = $"screen-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
            var view = await JobView.AddressAsync(connection.Grains, jobId);
            Console.WriteLine($"job view: {view ?? "none (no silo host in the cluster serves one)"}");
            await using var writer = new ScreenResultWriter(outputDirectory);
            var driver = new JobDriver(connection.Grains, screen);
            var records = SequenceInput.ReadAsync(inputPath, fail ? InvalidRecordPolicy.Fail : InvalidRecordPolicy.Skip, Report, ct);

            void Report(InputProblem problem)
            {
                skipped++;
                Console.Error.WriteLine($"skipped: {problem}");
            }

            ValueTask Write(ShardRow row) => writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, ct);

            var job = connection.Grains.GetGrain<IJobGrain>(jobId);

            // Knowing the size up front gives the progress bar a percentage and the aggregator an ETA.
            long? expected = null;
            try
            {
                expected = await SequenceInput.CountAsync(inputPath, ct);
            }
            catch (InvalidInputException)
            {
                // The real pass reports the problem, with its policy.
            }

            var snapshot = await WithProgressAsync(job, () => driver.RunAsync(jobId, modelDirectory, inputPath, expected, records, Write, Report, ct));
            Console.WriteLine(
                $"screened {writer.Rows} records ({snapshot.SequencesComputed} distinct sequences, {snapshot.Residues} residues) in {snapshot.Elapsed.TotalSeconds:F1} s: " +
                $"{writer.Rows / Math.Max(snapshot.Elapsed.TotalSeconds, 1e-9):F1} records/s, {snapshot.ResiduesPerSecond:F0} residues/s, " +
                $"padding efficiency {(double)snapshot.RealTokens / Math.Max(1, snapshot.PaddedTokens):P1} on {snapshot.Devices.Count} device(s) of the {connection.Description}" +
                (skipped > 0 ? $", {skipped} skipped" : string.Empty) + $"; wrote {Path.GetFullPath(outputDirectory)}");
            if (connection is EmbeddedSiloHost && view is not null && (parse.GetValue(keepView) ?? JobView.InTerminal))
            {
                await JobView.KeepOpenAsync(view, ct);
            }

            return 0;
        }));
        return command;
    }

    private static async Task<JobSnapshot> WithProgressAsync(IJobGrain job, Func<Task<JobSnapshot>> run)
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
                    var s = await job.GetSnapshotAsync();
                    var eta = s.Eta is { } remaining ? $", ETA {remaining:hh\\:mm\\:ss}" : string.Empty;
                    var share = s.ExpectedRecords is > 0 and var total ? $" of {total} ({100.0 * s.Rows / total:F0}%)" : string.Empty;
                    task.Description = $"{s.Rows}{share} records, {s.WindowSequencesPerSecond:F1} seq/s (last 10 s), {s.ResiduesPerSecond:F0} residues/s{eta}";
                }

                result = await running;
                task.StopTask();
            });
        return result!;
    }
}
