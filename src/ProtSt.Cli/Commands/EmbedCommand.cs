using System.CommandLine;
using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst embed</c>: mean residue embeddings of every sequence in a FASTA file, on this machine.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A converted model folder (default: the built-in untrained demo model)." };
        var fasta = new Option<string>("--fasta") { Description = "Input FASTA (or CSV/TSV with id and sequence columns), plain or gzip-compressed.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output file.", Required = true };
        var format = new Option<string?>("--format") { Description = "tsv (id then the D values, no header) or parquet (id, embedding); default from the output's extension." };
        format.AcceptOnlyFromAmong("tsv", "parquet");
        var onInvalid = new Option<string>("--on-invalid") { Description = "skip (report and continue) or fail (stop at the first invalid record).", DefaultValueFactory = _ => "fail" };
        onInvalid.AcceptOnlyFromAmong("skip", "fail");
        var truncation = new Option<string>("--truncation") { Description = "keep-start (first residues up to the model's limit, as published) or fail.", DefaultValueFactory = _ => "keep-start" };
        truncation.AcceptOnlyFromAmong("keep-start", "fail");

        var devices = CliOptions.Devices("With --include/--layers/--long: devices of the embedded silo (default from configs: one device using all cores).");
        var extraction = new ExtractionOptions();
        var command = new Command("embed", "Compute the mean residue embedding of every sequence in a FASTA file; with --include, --layers or --long, what fair-esm's extract.py writes, into a folder.")
        {
            model, fasta, output, format, onInvalid, truncation, devices,
        };
        foreach (var option in extraction.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            if (extraction.Given(parse))
            {
                // What extract.py writes is a folder of tables, as screen writes it; long proteins follow --long.
                var singleFile = new Option[] { format, truncation }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (singleFile.Count > 0)
                {
                    throw new ArgumentException($"{string.Join(" and ", singleFile)} {(singleFile.Count == 1 ? "is" : "are")} for embed's single file; with --include, --layers or --long, -o is a folder (embeddings.parquet, residues.parquet, contacts.parquet) and --long decides long proteins.");
                }

                var request = extraction.Apply(
                    new JobRequest(
                        "screen",
                        parse.GetValue(fasta)!,
                        parse.GetValue(output)!,
                        ModelChoice.Resolve(parse.GetValue(model), configuration.Inference.VerifyModelHash),
                        null,
                        null,
                        false,
                        LabelSet.DefaultTemplate,
                        JobChoices.FailOnInvalid(parse.GetValue(onInvalid))),
                    parse);
                var outcome = await ScreenCommand.RunAsync(new ScreenJob(request, parse.GetValue(devices), null, KeepView: false), configuration, ct);
                return ScreenCommand.ExitCode(outcome!.Status);
            }

            if (parse.GetResult(devices) is { Implicit: false })
            {
                throw new ArgumentException("--devices is for embed with --include, --layers or --long, which runs on the embedded silo; plain embed runs one session in this process.");
            }
            using var session = EncoderSession.Open(ModelChoice.Resolve(parse.GetValue(model), verifyHashes: false), configuration.Inference);

            var tokenizer = session.Folder.CreateTokenizer(parse.GetValue(truncation) == "fail" ? TruncationPolicy.Fail : TruncationPolicy.KeepStart);
            var outputPath = parse.GetValue(output)!;
            var embeddingFormat = parse.GetValue(format) switch
            {
                "parquet" => EmbeddingFormat.Parquet,
                "tsv" => EmbeddingFormat.Tsv,
                _ => outputPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? EmbeddingFormat.Parquet : EmbeddingFormat.Tsv,
            };
            var policy = parse.GetValue(onInvalid) == "skip" ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Fail;
            var options = configuration.Embedding with { OnInvalid = policy };
            var pipeline = new EmbeddingPipeline(session, tokenizer, options);
            var skipped = 0;

            void Report(InputProblem problem)
            {
                skipped++;
                Console.Error.WriteLine($"skipped: {problem}");
            }

            var inputPath = parse.GetValue(fasta)!;
            InputFile.Check(inputPath);
            var summary = await RunWithProgressAsync(async progress =>
            {
                await using var writer = EmbeddingWriterFactory.Create(embeddingFormat, outputPath);
                return await pipeline.RunAsync(SequenceInput.ReadAsync(inputPath, configuration.Security.InputLimits, policy, Report, ct), writer, progress, Report, ct);
            });

            Console.WriteLine(
                $"embedded {summary.Sequences} sequences ({summary.Residues} residues) in {summary.Elapsed.TotalSeconds:F1} s: " +
                $"{summary.SequencesPerSecond:F1} sequences/s, {summary.ResiduesPerSecond:F0} residues/s, padding efficiency {summary.PaddingEfficiency:P1}" +
                (skipped > 0 ? $", {skipped} skipped" : string.Empty) + $"; wrote {Path.GetFullPath(outputPath)}");
            return 0;
        }));
        return command;
    }

    private static async Task<EmbeddingSummary> RunWithProgressAsync(Func<IProgress<EmbeddingSummary>, Task<EmbeddingSummary>> run)
    {
        if (!CommandErrors.Status.Profile.Capabilities.Interactive)
        {
            return await run(new Progress<EmbeddingSummary>());
        }

        EmbeddingSummary? result = null;
        await CommandErrors.Status.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("embedding", maxValue: double.MaxValue);
                task.IsIndeterminate = true;
                var progress = new Progress<EmbeddingSummary>(s =>
                    task.Description = $"{s.Sequences} sequences, {s.SequencesPerSecond:F1} seq/s, {s.ResiduesPerSecond:F0} residues/s");
                result = await run(progress);
                task.StopTask();
            });
        return result!;
    }
}
