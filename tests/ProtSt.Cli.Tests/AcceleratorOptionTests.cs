using Microsoft.Extensions.Configuration;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>One set of session options: <c>Inference</c> (file, <c>PROTST_Inference__*</c>, <c>--accelerator</c>) reaches single sessions and every device alike.</summary>
public sealed class AcceleratorOptionTests
{
    [Fact]
    public void The_inference_section_is_what_the_devices_start_from()
    {
        var configuration = CliConfiguration.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // What PROTST_Inference__IntraOpThreads=3 and PROTST_Devices__Count=2 become.
            ["Inference:IntraOpThreads"] = "3",
            ["Inference:VerifyModelHash"] = "false",
            ["Devices:Count"] = "2",
        }).Build());

        Assert.Equal(configuration.Inference, configuration.Devices.Inference);
        Assert.Equal(3, configuration.Devices.Inference.IntraOpThreads);
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(3, configuration.Devices.ForDevice(i).Inference.IntraOpThreads));
    }

    [Fact]
    public void The_retired_devices_inference_section_is_refused_not_ignored()
    {
        var configuration = CliConfiguration.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Devices:Inference:ExecutionProvider"] = "Cuda",
        }).Build());

        var error = Assert.Throws<InvalidOperationException>(() => configuration.Devices);
        Assert.Contains("top-level Inference section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_accelerator_option_overrides_files_and_environment()
    {
        using var scratch = new TempDirectory();
        var file = scratch.Combine("cuda.json");
        File.WriteAllText(file, """{ "Inference": { "ExecutionProvider": "Cuda", "IntraOpThreads": 1 } }""");

        var fromFile = CliConfiguration.Load([file]);
        Assert.Equal(ExecutionProvider.Cuda, fromFile.Inference.ExecutionProvider);

        var overridden = CliConfiguration.Load([file], ExecutionProvider.Cpu);
        Assert.Equal(ExecutionProvider.Cpu, overridden.Inference.ExecutionProvider);
        Assert.Equal(ExecutionProvider.Cpu, overridden.Devices.Inference.ExecutionProvider);
        Assert.Equal(1, overridden.Devices.Inference.IntraOpThreads);
        Assert.Equal(1, overridden.Devices.Count);
    }

    [Fact]
    public void The_token_budget_follows_the_accelerator_unless_set()
    {
        static CliConfiguration With(params (string Key, string Value)[] settings) => CliConfiguration.From(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

        Assert.Equal(4096, With().Screen.MaxTokensPerBatch);
        Assert.Equal(4096, With().Embedding.MaxTokensPerBatch);
        var cuda = With(("Inference:ExecutionProvider", "Cuda"), ("Inference:CudaTokensPerBatch", "20000"));
        Assert.Equal(20000, cuda.Screen.MaxTokensPerBatch);
        Assert.Equal(20000, cuda.Embedding.MaxTokensPerBatch);
        Assert.Equal(32768, With(("Inference:ExecutionProvider", "Cuda")).Screen.MaxTokensPerBatch);
        Assert.Equal(1000, With(("Inference:ExecutionProvider", "Cuda"), ("Screen:MaxTokensPerBatch", "1000")).Screen.MaxTokensPerBatch);
    }

    [Theory]
    [InlineData("embed")]
    [InlineData("silo")]
    public async Task Asking_for_cuda_where_it_cannot_run_is_one_error_line_and_a_failed_exit(string command)
    {
        using var scratch = new TempDirectory();
        string[] args = command == "embed"
            ? ["embed", "--fasta", scratch.Combine("none.fasta"), "-o", scratch.Combine("out.tsv"), "--accelerator", "cuda"]
            : ["silo", "--accelerator", "cuda"];
        if (command == "embed")
        {
            File.WriteAllText(scratch.Combine("none.fasta"), ">a\nMKV\n");
        }

        // The CPU build says which build to use; the CUDA build, on a machine without a driver, names libcuda.so.1.
        if (RuntimeFlavor.HasCuda && System.Runtime.InteropServices.NativeLibrary.TryLoad(CudaLibraries.Driver, out _))
        {
            return;
        }

        var run = await Protst.RunAsync(args);
        Assert.Equal(1, run.ExitCode);
        var errors = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.Contains(RuntimeFlavor.HasCuda ? "libcuda.so.1" : "-p:Accelerator=Cuda", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_accelerator_is_refused_by_the_parser()
    {
        var run = await Protst.RunAsync("silo", "--accelerator", "tpu");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--accelerator must be cpu or cuda, not 'tpu'.", run.Error, StringComparison.Ordinal);
    }
}
