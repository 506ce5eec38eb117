namespace ProtSt.Cli.Tests.Deploy;

/// <summary>The Security section as the security branch binds it (SecurityOptions), used by <see cref="OptionKeys"/> until that branch is merged.</summary>
public sealed class PendingSecurityOptions
{
    public const string SectionName = "Security";

    public string? ApiKey { get; set; }

    public List<string> ModelRoots { get; set; } = [];
}
