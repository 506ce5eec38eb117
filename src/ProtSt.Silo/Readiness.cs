namespace ProtSt.Silo;

/// <summary>The answer of /readyz: ready, or why not.</summary>
public sealed record Readiness(bool Ready, string? Reason)
{
    public static Readiness Yes { get; } = new(true, null);

    public static Readiness No(string reason) => new(false, reason);
}
