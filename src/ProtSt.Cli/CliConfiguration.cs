using System.CommandLine;
using Microsoft.Extensions.Configuration;
using ProtSt.Client;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;
using ProtSt.Grains.Security;
using ProtSt.Model.Hub;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;
using ProtSt.Silo;
using ProtSt.Silo.Monitoring;
using ProtSt.Training;

namespace ProtSt.Cli;

/// <summary>
/// Options for every command, layered: configs/protst.json beside the program, then <c>--config</c> files, then
/// environment variables prefixed <c>PROTST_</c> (e.g. <c>PROTST_Inference__IntraOpThreads=4</c>), then the command's
/// <c>--accelerator</c>. The <c>Inference</c> section is the one set of session options: single-session commands use it
/// as it is, and a silo's devices each derive theirs from it (<see cref="DeviceOptions.ForDevice"/>).
/// </summary>
internal sealed class CliConfiguration
{
    private readonly IConfiguration _configuration;

    /// <summary>Where the defaults are read, relative to the program's folder (a container mounts its ConfigMap here).</summary>
    public const string DefaultFile = "configs/protst.json";

    /// <summary>The prefix of the environment variables read as configuration.</summary>
    public const string EnvironmentPrefix = "PROTST_";

    private CliConfiguration(IConfiguration configuration) => _configuration = configuration;

    public InferenceOptions Inference => Bind<InferenceOptions>(InferenceOptions.SectionName);

    /// <summary>How silos coordinate jobs; the token budget is the accelerator's (<see cref="InferenceOptions.TokensPerBatch"/>) unless <c>Screen:MaxTokensPerBatch</c> is set.</summary>
    public ScreenOptions Screen
    {
        get
        {
            var screen = BindScreen<ScreenOptions>();
            return IsSet(ScreenOptions.SectionName, nameof(ScreenOptions.MaxTokensPerBatch)) ? screen : screen with { MaxTokensPerBatch = Inference.TokensPerBatch };
        }
    }

    /// <summary>The job client's timeouts and the shard settings of the jobs it submits, from the same <c>Screen</c> section.</summary>
    public JobClientOptions JobClient => BindScreen<JobClientOptions>();

    /// <summary>The silo's devices, whose sessions start from <see cref="Inference"/>; <c>Count</c> 0 is resolved (one per GPU on CUDA, one on CPU).</summary>
    public DeviceOptions Devices
    {
        get
        {
            // Devices:Inference was a second set of session options that only silos read; it is refused, not ignored.
            if (_configuration.GetSection($"{DeviceOptions.SectionName}:{InferenceOptions.SectionName}").Exists())
            {
                throw new InvalidOperationException(
                    $"{DeviceOptions.SectionName}:{InferenceOptions.SectionName} is no longer read: set the session options once, in the top-level {InferenceOptions.SectionName} section (or --accelerator), for every command and device.");
            }

            var devices = Bind<DeviceOptions>(DeviceOptions.SectionName);
            devices.Inference = Inference;
            devices.Count = devices.ResolvedCount;
            return devices;
        }
    }

    /// <summary>Where <c>protst silo</c> listens and what address it advertises (loopback by default).</summary>
    public SiloNodeOptions Silo => Bind<SiloNodeOptions>(SiloNodeOptions.SectionName);

    /// <summary>The Orleans cluster and service id shared by silos and clients.</summary>
    public string ClusterId => _configuration["ClusterId"] ?? "protst";

    public MonitoringOptions Monitoring => Bind<MonitoringOptions>(MonitoringOptions.SectionName);

    public SecurityOptions Security => Bind<SecurityOptions>(SecurityOptions.SectionName);

    /// <summary>Mutual TLS between silos and of clients, read by <c>protst silo</c> and every <c>--cluster</c> client.</summary>
    public ClusterTlsOptions Tls => Bind<ClusterTlsOptions>(ClusterTlsOptions.SectionName);
    /// <summary>The online endpoints' model names, batching window and bounds.</summary>
    public ServingOptions Serving => Bind<ServingOptions>(ServingOptions.SectionName);

    public HubOptions Hub => Bind<HubOptions>(HubOptions.SectionName);

    /// <summary>Batching of <c>embed</c>; the token budget is the accelerator's unless <c>Embedding:MaxTokensPerBatch</c> is set.</summary>
    public EmbeddingPipelineOptions Embedding
    {
        get
        {
            var embedding = Bind<EmbeddingPipelineOptions>(EmbeddingPipelineOptions.SectionName);
            embedding.Validate();
            return IsSet(EmbeddingPipelineOptions.SectionName, nameof(EmbeddingPipelineOptions.MaxTokensPerBatch))
                ? embedding
                : embedding with { MaxTokensPerBatch = Inference.TokensPerBatch };
        }
    }

    public HeadTrainingOptions Training => Bind<HeadTrainingOptions>(HeadTrainingOptions.SectionName);

    /// <summary>The configuration of the command <paramref name="parse"/> runs: its <c>--config</c> files and its <c>--accelerator</c>.</summary>
    public static CliConfiguration Load(ParseResult parse)
    {
        var accelerator = parse.GetResult(CliOptions.Accelerator) is null ? null : parse.GetValue(CliOptions.Accelerator);
        return Load(parse.GetValue(CliOptions.Config) ?? [], accelerator);
    }

    public static CliConfiguration Load(IEnumerable<string> extraFiles, ExecutionProvider? accelerator = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, DefaultFile), optional: true);
        foreach (var file in extraFiles)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"Configuration file '{file}' does not exist.", file);
            }

            builder.AddJsonFile(Path.GetFullPath(file), optional: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (accelerator is { } provider)
        {
            builder.AddInMemoryCollection([new($"{InferenceOptions.SectionName}:{nameof(InferenceOptions.ExecutionProvider)}", provider.ToString())]);
        }

        return new CliConfiguration(builder.Build());
    }

    /// <summary>Options over a configuration built elsewhere (tests check deployment files with it).</summary>
    public static CliConfiguration From(IConfiguration configuration) => new(configuration);

    private bool IsSet(string section, string key) => _configuration[$"{section}:{key}"] is not null;

    private T Bind<T>(string section, bool errorOnUnknown = true)
        where T : new()
    {
        var value = new T();
        _configuration.GetSection(section).Bind(value, o => o.ErrorOnUnknownConfiguration = errorOnUnknown);
        return value;
    }

    // The Screen section is shared by the silos' ScreenOptions and the client's JobClientOptions, so each binds leniently
    // and a key that neither knows (a typo) is refused here, as the binder refuses one in every other section.
    private T BindScreen<T>()
        where T : new()
    {
        var known = typeof(ScreenOptions).GetProperties().Concat(typeof(JobClientOptions).GetProperties()).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = _configuration.GetSection(ScreenOptions.SectionName).GetChildren().Select(c => c.Key).Where(key => !known.Contains(key)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The {ScreenOptions.SectionName} configuration section has keys that no option reads: {string.Join(", ", unknown)}.");
        }

        return Bind<T>(ScreenOptions.SectionName, errorOnUnknown: false);
    }
}
