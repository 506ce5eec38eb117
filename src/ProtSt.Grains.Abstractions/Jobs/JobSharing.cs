using System.Globalization;

namespace ProtSt.Grains;

/// <summary>
/// How a job shares the cluster's devices with other jobs: its weight (<c>--priority</c>, each device serves the jobs
/// waiting on it in proportion to their weights, by padded tokens) and how many devices it may use
/// (<c>--max-devices</c>, 0 for all). The one place their bounds are checked: the CLI, the HTTP API and the silos' call filter.
/// </summary>
public static class JobSharing
{
    /// <summary>The weight of a job that asks for none.</summary>
    public const int DefaultPriority = 1;

    /// <summary>The largest weight: a job of this weight beside one of weight 1 gets all but a thousandth of a shared device.</summary>
    public const int MaxPriority = 1000;

    /// <summary>The largest device limit a job may name (0 means all devices, whatever their number).</summary>
    public const int MaxDevicesLimit = 100_000;

    /// <summary>Why a priority and a device limit cannot be a job's, in one line naming the options; null when both are fine.</summary>
    public static string? Problem(int priority, int maxDevices, string priorityName = "--priority", string maxDevicesName = "--max-devices") =>
        priority is < 1 or > MaxPriority
            ? string.Create(CultureInfo.InvariantCulture, $"{priorityName} must be between 1 and {MaxPriority} (got {priority}).")
            : maxDevices is < 0 or > MaxDevicesLimit
            ? string.Create(CultureInfo.InvariantCulture, $"{maxDevicesName} must be between 1 and {MaxDevicesLimit}, or 0 for every device (got {maxDevices}).")
            : null;
}
