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
        var withKey = new Dictionary<string, string> { ["PROTST_Security__ApiKey"] = "a-random-key-from-a-kubernetes-secret-5f1c9e" };
        (exitCode, _, error) = await Protst.RunAsync(withKey, "silo", "--urls", "http://0.0.0.0:0");
        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("Security:ApiKey", error, StringComparison.Ordinal);
        Assert.Contains("set Security:ModelRoots (environment PROTST_Security__ModelRoots__0)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_beyond_loopback_with_the_placeholder_key_exits_with_one_line()
    {
        var placeholder = new Dictionary<string, string> { ["PROTST_Security__ApiKey"] = "change-me", ["PROTST_Security__ModelRoots__0"] = Path.GetTempPath() };
        var (exitCode, _, error) = await Protst.RunAsync(placeholder, "silo", "--urls", "http://0.0.0.0:0");
        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("Security:ApiKey is refused: it is a placeholder", line, StringComparison.Ordinal);
    }
}
