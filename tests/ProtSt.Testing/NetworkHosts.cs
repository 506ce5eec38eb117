using System.Diagnostics;

namespace ProtSt.Testing;

/// <summary>
/// Hosts made of Linux network namespaces, one per host, each with one address on a private /24 and joined through a
/// bridge that lives in a namespace of its own: the addresses exist only inside namespaces this instance creates and
/// removes, and nothing touches the root namespace's links or routes. Processes run inside a host with
/// <c>ip netns exec</c>; <see cref="CutAsync"/> takes a host's link down at the bridge (its processes live on, cut
/// off), <see cref="RestoreAsync"/> brings it back. Needs root and iproute2 (<see cref="Unavailable"/> says why not).
/// </summary>
public sealed class NetworkHosts : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly string _bridge;
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];

    private NetworkHosts(string prefix, string subnet)
    {
        _prefix = prefix;
        _bridge = $"{prefix}-br";
        Subnet = subnet;
    }

    /// <summary>The first three octets of the hosts' /24 (host i is <c>Subnet.(i + 1)</c>).</summary>
    public string Subnet { get; }

    /// <summary>Why the hosts cannot be made here (not root, no <c>ip</c>), or null when they can.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "network namespaces need Linux"
        : Environment.UserName != "root" ? "network namespaces need root (CI runs the tests as root)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "network namespaces need iproute2's ip (apt-get install iproute2)"
        : null;

    /// <summary>Creates <paramref name="count"/> hosts named after a fresh run id; whatever was made is removed again if a step fails.</summary>
    public static async Task<NetworkHosts> CreateAsync(int count, CancellationToken cancellationToken = default)
    {
        // Short: interface names are at most 15 characters. Random: runs (and crashed runs' leftovers) never collide.
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3)).ToLowerInvariant();
        var hosts = new NetworkHosts($"pst{id}", $"10.{Random.Shared.Next(64, 250)}.{Random.Shared.Next(1, 250)}");
        try
        {
            await hosts.AddNamespaceAsync(hosts._bridge, cancellationToken);
            await RunAsync(cancellationToken, "-n", hosts._bridge, "link", "add", "br0", "type", "bridge");
            await RunAsync(cancellationToken, "-n", hosts._bridge, "link", "set", "br0", "up");
            for (var i = 0; i < count; i++)
            {
                var host = hosts.Name(i);
                await hosts.AddNamespaceAsync(host, cancellationToken);

                // Both ends are created inside their namespaces: the pair never exists in the root namespace.
                await RunAsync(cancellationToken, "link", "add", "name", Port(i), "netns", hosts._bridge, "type", "veth", "peer", "name", "eth0", "netns", host);
                await RunAsync(cancellationToken, "-n", hosts._bridge, "link", "set", Port(i), "master", "br0", "up");
                await RunAsync(cancellationToken, "-n", host, "addr", "add", $"{hosts.Address(i)}/24", "dev", "eth0");
                await RunAsync(cancellationToken, "-n", host, "link", "set", "eth0", "up");
                await RunAsync(cancellationToken, "-n", host, "link", "set", "lo", "up");
            }

            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address of host <paramref name="index"/>.</summary>
    public string Address(int index) => $"{Subnet}.{index + 1}";

    /// <summary>The namespace of host <paramref name="index"/>.</summary>
    public string Name(int index) => $"{_prefix}-h{index}";

    /// <summary>Starts a program inside host <paramref name="index"/>; it is killed when the hosts are disposed.</summary>
    public Process Start(int index, IReadOnlyDictionary<string, string>? environment, string fileName, params string[] args)
    {
        var process = Processes.Start(environment, "ip", ["netns", "exec", Name(index), fileName, .. args]);
        _processes.Add(process);
        return process;
    }

    /// <summary>Runs a program inside host <paramref name="index"/> to its end.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(int index, IReadOnlyDictionary<string, string>? environment, TimeSpan limit, string fileName, params string[] args)
    {
        using var process = Processes.Start(environment, "ip", ["netns", "exec", Name(index), fileName, .. args]);
        var errors = Processes.CollectErrors(process);
        var output = process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} in {Name(index)} did not finish within {limit}");
        }

        process.WaitForExit();
        return (process.ExitCode, await output, errors());
    }

    /// <summary>Takes host <paramref name="index"/>'s link down at the bridge: its processes run on, and reach no one and are reached by no one.</summary>
    public Task CutAsync(int index) => RunAsync(CancellationToken.None, "-n", _bridge, "link", "set", Port(index), "down");

    /// <summary>Brings host <paramref name="index"/>'s link back up.</summary>
    public Task RestoreAsync(int index) => RunAsync(CancellationToken.None, "-n", _bridge, "link", "set", Port(index), "up");

    /// <summary>Kills every process started in the hosts and deletes the namespaces (which removes their links and addresses).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Processes.StopAsync(_processes);
        }
        finally
        {
            foreach (var process in _processes)
            {
                process.Dispose();
            }

            await DeleteNamespacesAsync();
        }
    }

    private async Task DeleteNamespacesAsync()
    {
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await RunAsync(CancellationToken.None, "netns", "del", name);
            }
            catch (InvalidOperationException)
            {
                // Keep removing the others; what is left is named pst* and shown by `ip netns list`.
            }
        }
    }

    private static string Port(int index) => $"p{index}";

    private async Task AddNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        await RunAsync(cancellationToken, "netns", "add", name);
        _namespaces.Add(name);
    }

    private static async Task RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({process.ExitCode}): {(await error).Trim()}");
        }
    }
}
