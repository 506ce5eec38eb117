using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Inference;

public sealed class EncoderSessionTests
{
    [Fact]
    public void Concurrent_runs_from_many_threads_equal_serial_runs()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 2, HiddenSize = 32, Heads = 4, IntermediateSize = 64 });
        using var model = new Converted(scratch.Path);
        var random = new Random(7);
        var sequences = Enumerable.Range(0, 24)
            .Select(_ => new string(Enumerable.Range(0, random.Next(5, 120)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray()))
            .ToArray();
        var serial = sequences.Select(s => model.Run([s], hidden: false).Pooled).ToArray();

        var parallel = new float[sequences.Length][];
        Parallel.For(0, sequences.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => parallel[i] = model.Run([sequences[i]], hidden: false).Pooled);

        for (var i = 0; i < sequences.Length; i++)
        {
            Assert.Equal(serial[i], parallel[i]);
        }
    }

    [Fact]
    public void The_staged_binding_path_gives_the_direct_paths_results_across_batch_sizes_and_threads()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 2, HiddenSize = 32, Heads = 4, IntermediateSize = 64 });
        using var model = new Converted(scratch.Path);
        using var staged = EncoderSession.Open(Model.Folders.ModelFolder.Open(model.ModelDirectory, verifyHashes: false), new InferenceOptions { IntraOpThreads = 1 }, stageOnCpu: true);
        var random = new Random(11);
        string Protein(int length) => new(Enumerable.Range(0, length).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray());

        // Batches of changing sizes, one after another and then from several threads at once.
        var batches = new[] { 1, 3, 8, 2, 8, 1 }.Select(n => EncodedBatch.Create(
            Enumerable.Range(0, n).Select(i => model.Tokenizer.Encode(Protein(random.Next(5, 20 * n)))).ToList(), model.Tokenizer.PadId)).ToList();
        var expected = batches.Select(b => model.Session.Run(b).Pooled).ToList();
        foreach (var (batch, mean) in batches.Zip(expected))
        {
            Assert.Equal(mean, staged.Run(batch).Pooled);
        }

        var parallel = new float[batches.Count][];
        Parallel.For(0, batches.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = staged.Run(batches[i]).Pooled);
        Assert.Equal(expected, parallel);

        // Hidden states still come from the direct path.
        Assert.NotNull(staged.Run(batches[0], OutputRequest.Default.And(OutputKind.Residues)).Residues);
    }

    [Fact]
    public void Caller_buffers_are_reused_across_batches()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 1, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        using var model = new Converted(scratch.Path);
        var buffer = new float[4 * 16];
        var first = model.Session.Run(EncodedBatch.Create([model.Tokenizer.Encode("MKV"), model.Tokenizer.Encode("MKVLA")], model.Tokenizer.PadId), buffer, null);
        Assert.Same(buffer, first.Pooled);
        var expected = model.Run(["MKVLA"], hidden: false).Pooled;
        Assertions.Close(first.PooledOf(1), expected, 1e-5, "row 1");

        var small = new float[8];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Session.Run(EncodedBatch.Create([model.Tokenizer.Encode("MKV")], model.Tokenizer.PadId), small, null));
    }

    [Fact]
    public void Asking_for_cuda_without_it_names_what_is_missing_in_either_flavor()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Combine("hf"), new DemoModelSpec { Layers = 1, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        Model.Folders.ModelConverter.Convert(scratch.Combine("hf"), scratch.Combine("model"));
        var driverHere = System.Runtime.InteropServices.NativeLibrary.TryLoad(CudaLibraries.Driver, out _);
        if (RuntimeFlavor.HasCuda && driverHere)
        {
            return; // a GPU host: whether CUDA opens depends on its libraries, which the probe tests below cover.
        }

        var error = Assert.Throws<AcceleratorUnavailableException>(() =>
            EncoderSession.Open(scratch.Combine("model"), new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda }));
        Assert.Contains(RuntimeFlavor.HasCuda ? "NVIDIA driver library libcuda.so.1 was not found" : "-p:Accelerator=Cuda", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        // The CPU provider of either flavor still runs the model.
        using var cpu = EncoderSession.Open(scratch.Combine("model"), new InferenceOptions { IntraOpThreads = 1 });
        Assert.Equal(16, cpu.HiddenSize);
    }

    [Fact]
    public void The_flavor_constant_matches_the_linked_runtime()
    {
        var providers = Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders();
        Assert.Equal(RuntimeFlavor.HasCuda, providers.Contains("CUDAExecutionProvider"));
    }
}
