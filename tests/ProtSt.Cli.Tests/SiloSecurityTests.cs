namespace ProtSt.Cli.Tests;

/// <summary><c>protst silo</c> bound beyond loopback reads its key and roots from the environment names deployments use.</summary>
public sealed class SiloSecurityTests
{
    [Fact]
    public async Task A_silo_beyond_loopback_without_a_key_or_roots_exits_naming_the_environment_variable()
    {
        var (exitCode, _, error) = await Protst.RunAsync("silo", "--urls", "http://0.0.0.0:0");
        Assert.Equal(1, exitCode);
        Assert.Contains("set Security:ApiKey (environment PROTST_Security__ApiKey)", error, StringComparison.Ordinal);

        // With the key from the environment, the next missing option is the roots: the variable was read.
        var withKey = new Dictionary<string, string> { ["PROTST_Security__ApiKey"] = "a-key-from-a-kubernetes-secret" };
        (exitCode, _, error) = await Protst.RunAsync(withKey, "silo", "--urls", "http://0.0.0.0:0");
        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("Security:ApiKey", error, StringComparison.Ordinal);
        Assert.Contains("set Security:ModelRoots (environment PROTST_Security__ModelRoots__0)", error, StringComparison.Ordinal);
    }
}
