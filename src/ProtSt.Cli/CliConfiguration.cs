using Microsoft.Extensions.Configuration;
using ProtSt.Grains.Devices;
using ProtSt.Grains.Jobs;
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
/// environment variables prefixed <c>PROTST_</c> (e.g. <c>PROTST_Inference__IntraOpThreads=4</c>).
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

    public ScreenOptions Screen => Bind<ScreenOptions>(ScreenOptions.SectionName);

    public DeviceOptions Devices => Bind<DeviceOptions>(DeviceOptions.SectionName);

    /// <summary>Where <c>protst silo</c> listens and what address it advertises (loopback by default).</summary>
    public SiloNodeOptions Silo => Bind<SiloNodeOptions>(SiloNodeOptions.SectionName);

    /// <summary>The Orleans cluster and service id shared by silos and clients.</summary>
    public string ClusterId => _configuration["ClusterId"] ?? "protst";

    public MonitoringOptions Monitoring => Bind<MonitoringOptions>(MonitoringOptions.SectionName);

    public SecurityOptions Security => Bind<SecurityOptions>(SecurityOptions.SectionName);

    public HubOptions Hub => Bind<HubOptions>(HubOptions.SectionName);

    public EmbeddingPipelineOptions Embedding => Bind<EmbeddingPipelineOptions>(EmbeddingPipelineOptions.SectionName);

    public HeadTrainingOptions Training => Bind<HeadTrainingOptions>(HeadTrainingOptions.SectionName);

    public static CliConfiguration Load(IEnumerable<string> extraFiles)
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

        return new CliConfiguration(builder.AddEnvironmentVariables(EnvironmentPrefix).Build());
    }

    /// <summary>Options over a configuration built elsewhere (tests check deployment files with it).</summary>
    public static CliConfiguration From(IConfiguration configuration) => new(configuration);

    private T Bind<T>(string section)
        where T : new()
    {
        var value = new T();
        _configuration.GetSection(section).Bind(value, o => o.ErrorOnUnknownConfiguration = true);
        return value;
    }
}
