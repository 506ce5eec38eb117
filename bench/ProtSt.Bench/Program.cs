using ProtSt.Bench;
using ProtSt.Bench.Scale;
using ProtSt.Bench.ScaleProcesses;

// Each benchmark measures its alternatives in one process, interleaved, and reports ratios: absolute figures depend
// on the machine, ratios on the code.
var name = args.FirstOrDefault() ?? "help";
return name switch
{
    "graph-variants" => await GraphVariantBenchmark.RunAsync(args[1..]),
    "screen-methods" => await ScreenMethodsBenchmark.RunAsync(args[1..]),
    "zero-shot" => await ZeroShotBenchmark.RunAsync(args[1..]),
    "precision" => await PrecisionBenchmark.RunAsync(args[1..]),
    "esmc" => await EsmCBenchmark.RunAsync(args[1..]),
    "head-train" => await HeadTrainBenchmark.RunAsync(args[1..]),
    "scale" => await ScaleBenchmark.RunAsync(args[1..]),
    "scale-processes" => await ScaleProcessesBenchmark.RunAsync(args[1..]),
    "proteome" => await ProteomeCommand.RunAsync(args[1..]),
    "gpu-screen" => await GpuScreenBenchmark.RunAsync(args[1..]),
    "cpu-devices" => await CpuDevicesBenchmark.RunAsync(args[1..]),
    "fair-share" => await FairShareBenchmark.RunAsync(args[1..]),
    "extraction" => await ExtractionBenchmark.RunAsync(args[1..]),
    "extraction-memory" => await ExtractionMemoryBenchmark.RunAsync(args[1..]),
    "parquet-allocations" => await ParquetAllocationBenchmark.RunAsync(args[1..]),
    "extraction-write" => await ExtractionWriteBenchmark.RunAsync(args[1..]),
    "results-view" => await ResultsViewBenchmark.RunAsync(args[1..]),
    "result-figures" => await ResultFiguresBenchmark.RunAsync(args[1..]),
    "online-load" => await OnlineLoadBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run --project bench/ProtSt.Bench -c Release -- graph-variants|screen-methods|zero-shot [--sequences N] [--accelerator cpu|cuda] [--fasta PATH | --input PATH] [--repeats N] [--protein-layers N]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- precision [--sequences N] [--layers N] [--repeats N] [--max-tokens N] [--fasta PATH] [--no-fp16] [--no-candidates]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- esmc [--sequences N] [--repeats N] [--depth-divisor K] [--max-length L] [--max-tokens N] [--fasta PATH]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- head-train [--rows N] [--hidden H] [--epochs N] [--batch N]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- scale [--silos 1,2,4,8,16] [--devices-per-silo 2] [--per-device K] [--us-per-token 20] [--batch-overhead-ms 0] [--width 1280] [--max-tokens N] [--shard-size N] [--shards-in-flight N] [--failure-rate 0.01] [--failure-silos N] [--no-failure-run]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- scale-processes [--silos 1,2,4,8,16] [--devices-per-silo 2] [--per-device K] [--us-per-token 20] [--width 1280] [--output-layout parts|assembled] [--work DIR] [--protst \"dotnet DIR/protst.dll\"] [--no-warmup] [--settle-seconds 20] [--idle-seconds 10] [--ready-timeout 600] [--job-timeout 1800]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- proteome -o FILE.fasta [--records N] [--seed S] [--min-length L] [--mean-extra M] [--max-length L]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- gpu-screen --model DIR --fasta PATH [--accelerator cpu|cuda] [--max-tokens N] [--peak-tflops 790] [--sequences N] [--label NAME] [--out FILE.tsv]   (bench/gpu/run.sh drives it)");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- cpu-devices [--sequences N] [--devices N] [--repeats N] [--fasta PATH]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- extraction [--sequences N] [--repeats N] [--mean-only] [--max-tokens N] [--fasta PATH] [--accelerator cpu|cuda]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- extraction-memory [--counts 1000,20000] [--shard-sizes 256] [--include per-residue] [--min-length 30] [--mean-extra 60] [--max-length 200] [--protst \"dotnet DIR/protst.dll\"] [--work DIR]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- parquet-allocations [--proteins 256] [--residues 39] [--width 128] [--parts 10]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- extraction-write [--model-layers 30] [--width 640] [--heads 20] [--sequences 8] [--repeats 2] [--min-length 50] [--mean-extra 60] [--max-length 200] [--max-tokens 4096] [--disk-mib 1024] [--work DIR]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- fair-share [--silos 2] [--devices-per-silo 2] [--small 300] [--large 6000] [--weight 3] [--us-per-token 50] [--width 64]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- results-view [--rows 1000000] [--classes 10] [--width 1280] [--map-rows 20000] [--pages 200]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- result-figures [--sequences 96] [--protein-layers 1] [--repeats 3] [--shard-size 32]");
    Console.Error.WriteLine("       dotnet run --project bench/ProtSt.Bench -c Release -- online-load [--clients 1,4,16] [--requests 200] [--seconds 10] [--sequences 64] [--screen-records 6000] [--threads 1] [--demo]");
    return 2;
}
