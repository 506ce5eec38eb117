using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using ProtSt.Silo;

namespace ProtSt.Cli.Tests.Deploy;

/// <summary>
/// deploy/k8s, deploy/container/Dockerfile and Container.props against the program: every variable is one it reads,
/// every port one it listens on, every probe an endpoint it maps, every mounted path one it reads.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "deploy");

    // The claim holding the model folders (deploy/k8s/base/models-pvc.yaml).
    private const string ModelsClaim = "protst-models";

    private static readonly Dockerfile Image = Dockerfile.Load(Path.Combine(Root, "container", "Dockerfile"));

    // What Orleans' Kubernetes hosting reads from the environment: POD_NAME, POD_NAMESPACE, POD_IP, ORLEANS_*.
    private static readonly HashSet<string> KubernetesVariables =
    [
        .. typeof(KubernetesHostingOptions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!),
    ];

    [Theory]
    [InlineData("PROTST_Silo__SiloPort")]
    [InlineData("PROTST_silo__kubernetes")]
    [InlineData("PROTST_ClusterId")]
    [InlineData("PROTST_Inference__ExecutionProvider")]
    [InlineData("PROTST_Devices__PreloadModel")]
    [InlineData("PROTST_Security__ModelRoots__0")]
    public void The_checker_accepts_options_the_program_reads(string variable) => Assert.Null(OptionKeys.Check(variable));

    [Theory]
    [InlineData("PROTST_Silo__SiloPrt")]
    [InlineData("PROTST_Slio__SiloPort")]
    [InlineData("PROTST_Inference__ExecutionProvder")]
    [InlineData("PROTST_Devices__Inference")]
    [InlineData("PROTST_Devices__Count__0")]
    [InlineData("PROTST_Security__ModelRoots__first")]
    [InlineData("PROTST_Silo_Kubernetes")]
    public void The_checker_refuses_a_typo(string variable) => Assert.NotNull(OptionKeys.Check(variable));

    [Fact]
    public void Every_environment_variable_is_read_by_protst_or_by_kubernetes_hosting()
    {
        var problems = new List<string>();
        var checkedCount = 0;
        foreach (var (pod, container) in ProtstContainers())
        {
            var names = container.Maps("env").Select(e => e.Text("name")!).ToList();
            foreach (var name in names)
            {
                checkedCount++;
                if (VariableProblem(name) is { } problem)
                {
                    problems.Add($"{pod.File} ({pod.Name}/{container.Text("name")}): {problem}");
                }
            }

            // Kubernetes hosting refuses to start without the pod's identity, and is off unless Silo:Kubernetes says so.
            if (names.Any(KubernetesVariables.Contains))
            {
                problems.AddRange(KubernetesVariables.Where(v => v.StartsWith("POD_", StringComparison.Ordinal) && !names.Contains(v))
                    .Select(v => $"{pod.File}: sets Kubernetes hosting variables but not {v}"));
                if (!string.Equals(Literal(container, "PROTST_Silo__Kubernetes"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{pod.File}: sets POD_* variables but not PROTST_Silo__Kubernetes=true, so nothing reads them");
                }
            }
        }

        foreach (var name in Image.Environment.Keys.Concat(ContainerProps().Environment.Keys))
        {
            checkedCount++;
            if (VariableProblem(name) is { } problem)
            {
                problems.Add($"container/: {problem}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(checkedCount > 10, $"only {checkedCount} variables found: are the manifests where the test looks ({Root})?");
    }

    [Fact]
    public void The_configured_values_bind_to_the_options()
    {
        foreach (var (pod, container) in ProtstContainers())
        {
            var configuration = Configuration(container);
            foreach (var property in typeof(CliConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                try
                {
                    _ = property.GetValue(configuration);
                }
                catch (TargetInvocationException e)
                {
                    Assert.Fail($"{pod.File} ({pod.Name}): {property.Name} does not bind: {e.InnerException?.Message}");
                }
            }

            var silo = configuration.Silo;
            _ = silo.ParsedAdvertisedAddress();
            _ = silo.ParsedListenAddress();
        }
    }

    [Fact]
    public void The_dockerfile_builds_a_cpu_and_a_non_root_cuda_13_image()
    {
        var text = File.ReadAllText(Path.Combine(Root, "container", "Dockerfile"));
        Assert.Matches(new Regex("^ARG ACCELERATOR=cpu$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^ARG CUDA_IMAGE=nvidia/cuda:13\.\d+\.\d+-runtime-ubuntu", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:\S+ AS runtime-cpu$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^FROM \$\{CUDA_IMAGE\} AS runtime-cuda$", RegexOptions.Multiline), text);
        Assert.Equal("FROM runtime-${ACCELERATOR} AS runtime", Regex.Matches(text, "^FROM .*$", RegexOptions.Multiline)[^1].Value);

        // The build argument reaches the build (-p:Accelerator picks the ONNX Runtime package) at restore and publish.
        Assert.Equal(2, Regex.Count(text, @"-p:Accelerator=\$\{ACCELERATOR\}"));

        // Both runtime stages run as uid 1654: the ASP.NET image's app user, and the one the CUDA stage creates.
        Assert.Equal("$APP_UID", Image.User);
        Assert.Contains("useradd --uid 1654", text, StringComparison.Ordinal);
        Assert.Contains("ENV APP_UID=1654", text, StringComparison.Ordinal);
    }

    // The restore layer copies project files only: one the CLI references but the image lacks fails the image's build
    // (the client project was missing until the output contract's assembly was added beside it).
    [Fact]
    public void The_dockerfile_restores_with_every_project_the_cli_references()
    {
        var text = File.ReadAllText(Path.Combine(Root, "container", "Dockerfile"));
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repository.FullName, "ProtSt.Orleans.sln")))
        {
            repository = repository.Parent ?? throw new InvalidOperationException("the tests do not run inside the repository");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(["src/ProtSt.Cli/ProtSt.Cli.csproj"]);
        while (pending.TryDequeue(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            Assert.Contains($"COPY {project} {Path.GetDirectoryName(project)}/\n", text, StringComparison.Ordinal);
            var folder = Path.GetDirectoryName(project)!;
            foreach (Match reference in Regex.Matches(File.ReadAllText(Path.Combine(repository.FullName, project)), @"ProjectReference Include=""([^""]+)"""))
            {
                var path = Path.GetRelativePath(repository.FullName, Path.GetFullPath(Path.Combine(repository.FullName, folder, reference.Groups[1].Value.Replace('\\', '/'))));
                pending.Enqueue(path.Replace('\\', '/'));
            }
        }

        Assert.Contains("src/ProtSt.Client/ProtSt.Client.csproj", seen);
    }

    [Fact]
    public void Gpu_silos_run_the_cuda_image_with_one_device_per_gpu()
    {
        var gpu = ProtstContainers().Where(c => c.Container.Map("resources").Map("limits").Text("nvidia.com/gpu") is not null).ToList();
        Assert.NotEmpty(gpu);
        foreach (var (pod, container) in gpu)
        {
            var gpus = container.Map("resources").Map("limits").Text("nvidia.com/gpu");
            Assert.True(Literal(container, "PROTST_Devices__Count") == gpus, $"{pod.File}: nvidia.com/gpu {gpus} but PROTST_Devices__Count {Literal(container, "PROTST_Devices__Count")}");
            Assert.True(Literal(container, "PROTST_Inference__ExecutionProvider") == "Cuda", $"{pod.File}: a GPU silo must set PROTST_Inference__ExecutionProvider=Cuda");
            var overlay = Yaml.LoadAll(Path.Combine(Path.GetDirectoryName(Path.Combine(Root, pod.File))!, "kustomization.yaml"))[0];
            var tag = Assert.Single(overlay.Maps("images")).Text("newTag");
            Assert.Contains($"--build-arg ACCELERATOR=cuda -t protst:{tag} ", File.ReadAllText(Path.Combine(Root, "container", "Dockerfile")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Container_ports_are_the_ports_the_silo_is_configured_to_use()
    {
        var checkedContainers = 0;
        foreach (var (pod, container) in ProtstContainers().Where(c => c.Container.ContainsKey("ports")))
        {
            var configured = ConfiguredPorts(Effective(container), container.Strings("args").ToList());
            Assert.DoesNotContain(0, configured);
            var declared = container.Maps("ports").Select(p => int.Parse(p.Text("containerPort")!, CultureInfo.InvariantCulture)).Order().ToList();
            Assert.True(configured.Order().SequenceEqual(declared), $"{pod.File} ({pod.Name}): containerPorts {string.Join(", ", declared)} but the silo is configured for {string.Join(", ", configured.Order())}");
            checkedContainers++;
        }

        Assert.True(checkedContainers > 0);
        var image = ConfiguredPorts(Image.Environment, []);
        Assert.Equal(image.Order(), Image.Exposed.Order());
        Assert.Equal(Image.Exposed.Order(), ContainerProps().Ports.Order());
        Assert.Equal(Image.Environment.OrderBy(e => e.Key, StringComparer.Ordinal), ContainerProps().Environment.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Services_and_probes_point_at_declared_ports_and_the_cluster_argument_at_a_service()
    {
        var pods = Pods().ToList();
        var services = Documents().Where(d => d.Document.Text("kind") == "Service").ToList();
        foreach (var (file, service) in services)
        {
            var selector = service.Map("spec").Map("selector")!;
            var targets = pods.Where(p => p.Labels is { } labels && selector.All(s => labels.GetValueOrDefault(s.Key) as string == s.Value as string)).ToList();
            Assert.True(targets.Count > 0, $"{file}: no pod template matches the selector");
            foreach (var port in service.Map("spec").Maps("ports"))
            {
                var target = port.Text("targetPort") ?? port.Text("port")!;
                Assert.True(
                    targets.SelectMany(p => p.Containers).SelectMany(c => c.Maps("ports")).Any(p => p.Text("name") == target || p.Text("containerPort") == target),
                    $"{file}: targetPort {target} is no container port of the selected pods");
            }
        }

        foreach (var (pod, container) in ProtstContainers())
        {
            var names = container.Maps("ports").Select(p => p.Text("name")).ToHashSet();
            foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" }.Select(container.Map).OfType<Dictionary<string, object?>>())
            {
                Assert.Contains(probe.Map("httpGet").Text("port"), names);
            }

            var args = container.Strings("args").ToList();
            if (Argument(args, "--cluster") is { } cluster)
            {
                var (host, port) = (cluster.Split(':')[0], cluster.Split(':')[1]);
                Assert.True(
                    services.Any(s => s.Document.Map("metadata").Text("name") == host && s.Document.Map("spec").Maps("ports").Any(p => p.Text("port") == port)),
                    $"{pod.File}: --cluster {cluster} names no Service port");
            }
        }
    }

    [Fact]
    public async Task Probe_paths_are_endpoints_the_silo_host_maps()
    {
        await using var app = SiloHost.Build(new SiloHostOptions());
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        var probed = 0;
        foreach (var (pod, container) in ProtstContainers())
        {
            foreach (var (kind, expected) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", null) })
            {
                if (container.Map(kind).Map("httpGet").Text("path") is not { } path)
                {
                    continue;
                }

                Assert.True(routes.Contains(path), $"{pod.File}: {kind} {path} is not mapped by the silo host (it maps {string.Join(", ", routes.Order(StringComparer.Ordinal))})");
                Assert.True(expected is null || path == expected, $"{pod.File}: {kind} should be {expected}, not {path}");
                probed++;
            }
        }

        Assert.True(probed >= 2, "no probes found");
    }

    [Fact]
    public void Mounted_paths_are_where_the_program_reads_them()
    {
        // The program reads its defaults beside itself: the image's entry point says where that is.
        var program = Image.Entrypoint[0] == "dotnet" ? Image.Entrypoint[1] : Image.Entrypoint[0];
        var appDirectory = Path.GetDirectoryName(program)!;
        Assert.Equal(Image.WorkingDirectory, appDirectory);
        Assert.Equal(ContainerProps().WorkingDirectory, appDirectory);
        var configFile = $"{appDirectory}/{CliConfiguration.DefaultFile}";

        var configMounts = 0;
        foreach (var (pod, container) in ProtstContainers())
        {
            var volumes = pod.Spec.Maps("volumes").ToDictionary(v => v.Text("name")!, StringComparer.Ordinal);
            var mounts = container.Maps("volumeMounts").ToList();
            foreach (var mount in mounts)
            {
                var volume = volumes.GetValueOrDefault(mount.Text("name")!);
                Assert.True(volume is not null, $"{pod.File}: volumeMount {mount.Text("name")} has no volume");
                if (volume.Map("configMap") is { } configMap)
                {
                    Assert.Equal(configFile, mount.Text("mountPath"));
                    Assert.Equal(Path.GetFileName(CliConfiguration.DefaultFile), mount.Text("subPath"));
                    Assert.NotNull(ConfigMapFile(configMap.Text("name")!, mount.Text("subPath")!));
                    configMounts++;
                }
                else if (volume.Map("persistentVolumeClaim").Text("claimName") == ModelsClaim)
                {
                    // The model folders: read-only, where the image declares its volume.
                    Assert.Equal("true", mount.Text("readOnly"));
                    Assert.Contains(mount.Text("mountPath"), Image.Volumes);
                }
            }

            // A path given to the program (a preloaded model, model roots) must be inside something mounted.
            foreach (var env in container.Maps("env").Where(e => e.Text("value") is ['/', ..]))
            {
                var value = env.Text("value")!;
                Assert.True(
                    mounts.Any(m => value == m.Text("mountPath") || value.StartsWith(m.Text("mountPath") + "/", StringComparison.Ordinal)),
                    $"{pod.File}: {env.Text("name")}={value} is not under any volume mount");
            }
        }

        Assert.True(configMounts > 0, $"no ConfigMap is mounted at {configFile}");
        Assert.Contains(Image.Volumes, v => v == "/models");
    }

    [Fact]
    public void Pod_labels_name_the_cluster_the_silos_join()
    {
        // Kubernetes hosting finds the cluster's pods by these labels (and reads them back as ORLEANS_* variables).
        var labelled = 0;
        foreach (var (pod, container) in ProtstContainers())
        {
            if (pod.Labels is { } labels && labels.TryGetValue("orleans/clusterId", out var clusterLabel))
            {
                var clusterId = Configuration(container).ClusterId;
                Assert.Equal(clusterId, clusterLabel);
                Assert.Equal(clusterId, labels["orleans/serviceId"]);
                labelled++;
            }
        }

        Assert.True(labelled > 0, "no silo pod carries the orleans/clusterId label");
    }

    [Fact]
    public void The_autoscaler_scales_on_the_queue_depth_the_silos_export()
    {
        // docs/monitoring.md maps instruments to Prometheus families; MetricsTests checks that table against /metrics.
        var monitoring = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "monitoring.md"));
        var family = Regex.Match(monitoring, @"^\| `protst\.cluster\.queue_depth` \| `(\w+)` \|", RegexOptions.Multiline).Groups[1].Value;
        Assert.NotEmpty(family);

        var autoscalers = Documents().Where(d => d.Document.Text("kind") == "HorizontalPodAutoscaler").ToList();
        Assert.NotEmpty(autoscalers);
        var deployments = Documents().Where(d => d.Document.Text("kind") == "Deployment").Select(d => d.Document.Map("metadata").Text("name")).ToHashSet();
        foreach (var (file, hpa) in autoscalers)
        {
            Assert.Contains(hpa.Map("spec").Map("scaleTargetRef").Text("name"), deployments);
            var metric = Assert.Single(hpa.Map("spec").Maps("metrics"));
            Assert.Equal(family, metric.Map("external").Map("metric").Text("name"));
        }
    }

    [Fact]
    public void Kustomizations_name_files_that_exist()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "k8s"), "kustomization.yaml", SearchOption.AllDirectories))
        {
            var kustomization = Assert.Single(Yaml.LoadAll(file));
            var directory = Path.GetDirectoryName(file)!;
            foreach (var entry in kustomization.Strings("resources").Concat(kustomization.Maps("patches").Select(p => p.Text("path")!)))
            {
                var path = Path.Combine(directory, entry);
                Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")), $"{file}: {entry} does not exist");
            }

            // Every manifest beside a kustomization is one it applies.
            var listed = kustomization.Strings("resources").Concat(kustomization.Maps("patches").Select(p => p.Text("path")!)).ToHashSet(StringComparer.Ordinal);
            foreach (var manifest in Directory.EnumerateFiles(directory, "*.yaml").Select(f => Path.GetFileName(f)).Where(n => n != "kustomization.yaml"))
            {
                Assert.Contains(manifest, listed);
            }
        }
    }

    [Fact]
    public void No_manifest_ships_an_api_key_and_every_referenced_secret_is_generated_from_a_file_the_user_writes()
    {
        // A key in the repository would be a key every deployment shares (the old secret.yaml said change-me).
        var shipped = Documents().Where(d => d.Document.Text("kind") == "Secret").Select(d => d.File).ToList();
        Assert.True(shipped.Count == 0, $"Secrets with values in the manifests: {string.Join(", ", shipped)}");

        var generated = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "k8s"), "kustomization.yaml", SearchOption.AllDirectories))
        {
            foreach (var generator in Assert.Single(Yaml.LoadAll(file)).Maps("secretGenerator"))
            {
                generated[generator.Text("name")!] = generator;
            }
        }

        var referenced = Documents().SelectMany(d => SecretNames(d.Document)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("protst-api-key", referenced);
        foreach (var name in referenced)
        {
            Assert.True(generated.TryGetValue(name, out var generator), $"the manifests use the Secret {name}, which no kustomization generates");
            Assert.Empty(generator.Strings("literals"));
            Assert.NotEmpty(generator.Strings("envs").Concat(generator.Strings("files")));
        }
    }

    private static IEnumerable<string> SecretNames(object? node) => node switch
    {
        Dictionary<string, object?> map => (map.Map("secretKeyRef")?.Text("name") is { } name ? [name] : Enumerable.Empty<string>())
            .Concat(map.Values.SelectMany(SecretNames)),
        List<object?> list => list.SelectMany(SecretNames),
        _ => [],
    };

    private static string? VariableProblem(string name) =>
        KubernetesVariables.Contains(name) ? null
        : name.StartsWith(CliConfiguration.EnvironmentPrefix, StringComparison.Ordinal) ? OptionKeys.Check(name)
        : $"{name} is read neither by protst ({CliConfiguration.EnvironmentPrefix}*) nor by Orleans' Kubernetes hosting ({string.Join(", ", KubernetesVariables.Order(StringComparer.Ordinal))})";

    private static IEnumerable<(string File, Dictionary<string, object?> Document)> Documents() =>
        Directory.EnumerateFiles(Path.Combine(Root, "k8s"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(file => Yaml.LoadAll(file).Select(d => (Path.GetRelativePath(Root, file), d)));

    private static IEnumerable<PodTemplate> Pods() =>
        from d in Documents()
        let template = d.Document.Map("spec").Map("template")
        where template is not null
        select new PodTemplate(d.File, d.Document.Map("metadata").Text("name") ?? "?", template.Map("metadata").Map("labels"), template.Map("spec"));

    // Containers running the protst image; a patch's container names no image and patches the silo's.
    private static IEnumerable<(PodTemplate Pod, Dictionary<string, object?> Container)> ProtstContainers() =>
        from pod in Pods()
        from container in pod.Containers
        where container.Text("image") is not { } image || image.StartsWith("protst", StringComparison.Ordinal)
        select (pod, container);

    private static string? Literal(Dictionary<string, object?> container, string name) =>
        container.Maps("env").FirstOrDefault(e => e.Text("name") == name).Text("value");

    // The environment the program sees in the pod: the image's, then the container's literal values over it.
    private static Dictionary<string, string> Effective(Dictionary<string, object?> container)
    {
        var environment = new Dictionary<string, string>(Image.Environment, StringComparer.Ordinal);
        foreach (var env in container.Maps("env"))
        {
            if (env.Text("value") is { } value)
            {
                environment[env.Text("name")!] = value;
            }
        }

        return environment;
    }

    private static CliConfiguration Configuration(Dictionary<string, object?> container)
    {
        var builder = new ConfigurationBuilder();
        if (ConfigMapFile("protst-config", "protst.json") is { } json)
        {
            builder.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        }

        builder.AddInMemoryCollection(Effective(container)
            .Where(e => e.Key.StartsWith(CliConfiguration.EnvironmentPrefix, StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Key[CliConfiguration.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)));
        return CliConfiguration.From(builder.Build());
    }

    private static string? ConfigMapFile(string name, string key) =>
        Documents().Where(d => d.Document.Text("kind") == "ConfigMap" && d.Document.Map("metadata").Text("name") == name)
            .Select(d => d.Document.Map("data").Text(key)).FirstOrDefault(text => text is not null);

    // Command-line options win over the environment, as in SiloCommand.
    private static List<int> ConfiguredPorts(IReadOnlyDictionary<string, string> environment, List<string> args)
    {
        var urls = Argument(args, "--urls") ?? environment.GetValueOrDefault("PROTST_Silo__Urls") ?? new SiloNodeOptions().Urls;
        var ports = urls.Split(';').Select(u => new Uri(u.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Port).ToList();
        ports.Add(int.Parse(Argument(args, "--silo-port") ?? environment.GetValueOrDefault("PROTST_Silo__SiloPort") ?? "0", CultureInfo.InvariantCulture));
        ports.Add(int.Parse(Argument(args, "--gateway-port") ?? environment.GetValueOrDefault("PROTST_Silo__GatewayPort") ?? "0", CultureInfo.InvariantCulture));
        return ports;
    }

    private static string? Argument(List<string> args, string option)
    {
        var index = args.IndexOf(option);
        return index >= 0 && index + 1 < args.Count ? args[index + 1] : null;
    }

    private static (IReadOnlyList<int> Ports, IReadOnlyDictionary<string, string> Environment, string? WorkingDirectory) ContainerProps()
    {
        var props = XDocument.Load(Path.Combine(Root, "container", "Container.props"));
        var ports = props.Descendants("ContainerPort").Select(p => int.Parse(p.Attribute("Include")!.Value, CultureInfo.InvariantCulture)).ToList();
        var environment = props.Descendants("ContainerEnvironmentVariable").ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Value")!.Value, StringComparer.Ordinal);
        return (ports, environment, props.Descendants("ContainerWorkingDirectory").SingleOrDefault()?.Value);
    }

    private sealed record PodTemplate(string File, string Name, Dictionary<string, object?>? Labels, Dictionary<string, object?>? Spec)
    {
        public IEnumerable<Dictionary<string, object?>> Containers => Spec.Maps("containers");
    }
}
