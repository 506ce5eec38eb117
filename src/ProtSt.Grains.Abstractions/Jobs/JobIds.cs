namespace ProtSt.Grains;

/// <summary>How jobs are named: the kind, the UTC time and 6 random hex digits, e.g. <c>screen-20261130-131500-4f2a9c</c>.</summary>
public static class JobIds
{
    public static string New(string kind) => $"{kind}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
}
