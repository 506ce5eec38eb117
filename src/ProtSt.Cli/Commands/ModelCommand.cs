using System.CommandLine;
using ProtSt.Model.Configuration;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Hub;
using ProtSt.Model.Onnx;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst model convert|demo|info</c>: turn checkpoints into model folders and inspect them.</summary>
internal static class ModelCommand
{
    public static Command Create() => new("model", "Download and convert Hugging Face checkpoints to ONNX model folders, write the demo checkpoint, inspect a model.")
    {
        Download(),
        Convert(),
        Demo(),
        Info(),
    };

    private static Command Download()
    {
        var repository = new Argument<string>("repository") { Description = "A Hugging Face model repository, e.g. facebook/esm2_t33_650M_UR50D." };
        var output = new Option<string>("--output", "-o") { Description = "The checkpoint folder to write.", Required = true };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit.", DefaultValueFactory = _ => "main" };
        var command = new Command("download", "Download a model's config and weights from the Hugging Face hub (HF_ENDPOINT and HF_TOKEN are honoured).")
        {
            repository, output, revision,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            using var client = new HubClient(configuration.Hub);
            var name = parse.GetValue(repository)!;
            var files = (await HubDownloadDisplay.RunAsync(name, progress => client.DownloadAsync(name, parse.GetValue(revision)!, parse.GetValue(output)!, progress, ct))).Files;
            Console.WriteLine($"downloaded {string.Join(", ", files)} to {Path.GetFullPath(parse.GetValue(output)!)}; next: protst model convert {parse.GetValue(output)} -o <model-dir>");
            return 0;
        }));
        return command;
    }

    private static Command Convert()
    {
        var source = new Argument<string>("checkpoint") { Description = "A Hugging Face model folder (config.json + model.safetensors, sharded safetensors, or pytorch_model.bin), or an esm-package ESM C folder (model.safetensors or data/weights/*.pth, no config.json)." };
        var output = new Option<string>("--output", "-o") { Description = "The model folder to write.", Required = true };
        var dtype = new Option<string>("--dtype")
        {
            Description = "fp32; fp16 (float16 weights and compute, float32 LayerNorm/softmax/pooling); int8 (encoder Linear weights quantized per output channel, for CPUs).",
            DefaultValueFactory = _ => "fp32",
        };
        dtype.AcceptOnlyFromAmong("fp32", "fp16", "int8");
        var graph = new Option<string>("--graph") { Description = "fused (ONNX Runtime fused operators, faster) or plain (standard ONNX operators).", DefaultValueFactory = _ => "fused" };
        graph.AcceptOnlyFromAmong("fused", "plain");
        var textVocabulary = new Option<string?>("--text-vocab") { Description = "ProtST zero-shot: the text tower's WordPiece vocab.txt (default: the checkpoint folder's, else the shipped PubMedBERT-abstract one; a different file is warned about)." };
        var labels = new Option<string?>("--labels") { Description = "ProtST classifier: class names from a label file (tab-separated id, name), overriding the config's id2label." };
        var command = new Command("convert", "Convert an ESM-2, ESM-1b, ESM C or ProtST (zero-shot or classifier) checkpoint into an ONNX model folder.")
        {
            source, output, dtype, graph, textVocabulary, labels,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(() =>
        {
            var started = TimeProvider.System.GetTimestamp();
            var manifest = ModelConverter.Convert(parse.GetValue(source)!, parse.GetValue(output)!, new ConvertOptions
            {
                Precision = Enum.Parse<WeightPrecision>(parse.GetValue(dtype)!, ignoreCase: true),
                Variant = parse.GetValue(graph) == "plain" ? GraphVariant.Plain : GraphVariant.Fused,
                TextVocabulary = parse.GetValue(textVocabulary),
                Warn = message => Console.Error.WriteLine($"warning: {message}"),
                Labels = parse.GetValue(labels) is { } path ? LabelSet.Read(path).Names : null,
            });
            var extra = manifest.Kind switch
            {
                ModelKind.ZeroShot => $" with its {manifest.Text!.NumLayers}-layer text tower and {manifest.Head!.OutputWidth}-wide projections (zero-shot)",
                ModelKind.Classifier => $" with a {manifest.Labels!.Count}-class classifier ({string.Join(", ", manifest.Labels)})",
                _ => string.Empty,
            };
            Console.WriteLine(
                $"converted {manifest.Architecture} ({manifest.NumLayers} layers, {manifest.HiddenSize} wide, {manifest.NumHeads} heads, {manifest.WeightPrecision}, {manifest.GraphVariant}){extra} " +
                $"to {Path.GetFullPath(parse.GetValue(output)!)} in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Demo()
    {
        var output = new Option<string>("--output", "-o") { Description = "The checkpoint folder to write.", Required = true };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => DemoModelSpec.Default.Layers };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => DemoModelSpec.Default.HiddenSize };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => DemoModelSpec.Default.Heads };
        var intermediate = new Option<int?>("--intermediate") { Description = "Feed-forward width (default 4 x hidden; with --esmc, 8/3 x hidden rounded up to a multiple of 256)." };
        var esmc = new Option<bool>("--esmc") { Description = "Write an untrained ESM C checkpoint in the esm package's layout instead (heads = hidden / 64, so --hidden must be a multiple of 64; --heads is ignored)." };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => DemoModelSpec.Default.Seed };
        var protst = new Option<bool>("--protst") { Description = "Write an untrained ProtST zero-shot checkpoint instead (ESM-1b protein tower of this shape, a BERT text tower, a WordPiece vocabulary)." };
        var textLayers = new Option<int>("--text-layers") { Description = "With --protst: text tower depth.", DefaultValueFactory = _ => ProtStDemoSpec.Default.TextLayers };
        var textHidden = new Option<int>("--text-hidden") { Description = "With --protst: text tower width (feed-forward 4 x).", DefaultValueFactory = _ => ProtStDemoSpec.Default.TextHidden };
        var textHeads = new Option<int>("--text-heads") { Description = "With --protst: text tower heads.", DefaultValueFactory = _ => ProtStDemoSpec.Default.TextHeads };
        var projection = new Option<int>("--projection") { Description = "With --protst: width of the shared protein-text space.", DefaultValueFactory = _ => ProtStDemoSpec.Default.ProjectionSize };
        var command = new Command("demo", "Write a small ESM-2 (or, with --esmc, ESM C; with --protst, ProtST) checkpoint with deterministic, UNTRAINED weights.")
        {
            output, layers, hidden, heads, intermediate, seed, esmc, protst, textLayers, textHidden, textHeads, projection,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(() =>
        {
            var spec = new DemoModelSpec
            {
                Layers = parse.GetValue(layers),
                HiddenSize = parse.GetValue(hidden),
                Heads = parse.GetValue(heads),
                IntermediateSize = parse.GetValue(intermediate) ?? (4 * parse.GetValue(hidden)),
                Seed = parse.GetValue(seed),
            };
            if (parse.GetValue(protst))
            {
                ProtStDemoCheckpoint.Write(parse.GetValue(output)!, ProtStDemoSpec.Default with
                {
                    Protein = spec with { Esm1b = true },
                    Seed = spec.Seed,
                    TextLayers = parse.GetValue(textLayers),
                    TextHidden = parse.GetValue(textHidden),
                    TextHeads = parse.GetValue(textHeads),
                    TextIntermediate = 4 * parse.GetValue(textHidden),
                    ProjectionSize = parse.GetValue(projection),
                });
                Console.WriteLine($"wrote an untrained demo ProtST checkpoint ({spec.Layers} protein layers, {spec.HiddenSize} wide) to {Path.GetFullPath(parse.GetValue(output)!)}");
                return Task.FromResult(0);
            }

            if (parse.GetValue(esmc))
            {
                var width = parse.GetValue(hidden);
                if (width <= 0 || width % EsmCLayout.HeadWidth != 0)
                {
                    throw new ArgumentException($"--esmc needs --hidden to be a positive multiple of {EsmCLayout.HeadWidth} (ESM C's heads are {EsmCLayout.HeadWidth} wide), got {width}.");
                }

                spec = spec with { EsmC = true, Heads = width / EsmCLayout.HeadWidth, IntermediateSize = parse.GetValue(intermediate) ?? DemoModelSpec.EsmCFeedForwardWidth(width) };
                EsmCDemoCheckpoint.Write(parse.GetValue(output)!, spec);
                Console.WriteLine($"wrote an untrained demo ESM C checkpoint ({spec.Layers} blocks, {spec.HiddenSize} wide, {spec.Heads} heads, feed-forward {spec.IntermediateSize}) to {Path.GetFullPath(parse.GetValue(output)!)}");
                return Task.FromResult(0);
            }

            DemoCheckpoint.Write(parse.GetValue(output)!, spec);
            Console.WriteLine($"wrote an untrained demo ESM-2 checkpoint ({spec.Layers} layers, {spec.HiddenSize} wide, {spec.Heads} heads) to {Path.GetFullPath(parse.GetValue(output)!)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Info()
    {
        var model = new Argument<string>("model") { Description = "A converted model folder." };
        var command = new Command("info", "Print a model folder's manifest after checking its files.") { model };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(() =>
        {
            Console.WriteLine(ModelFolder.Open(parse.GetValue(model)!).Manifest.ToJson());
            return Task.FromResult(0);
        }));
        return command;
    }
}
