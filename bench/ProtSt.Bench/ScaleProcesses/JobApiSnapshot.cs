using System.Text.Json;

namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// A finished job's figures from a silo host's JSON API (<c>GET /api/jobs/{id}</c>, the aggregator's snapshot as the
/// registry keeps it): its elapsed time runs from the aggregator's start (after the planning pass) to the coordinator's
/// completion. <see cref="DeviceBusySeconds"/> sums the devices' busy time (durations are seconds in the API);
/// <see cref="AggregatorCalls"/> is null where the snapshot has no such field.
/// </summary>
internal sealed record JobApiSnapshot(
    long Rows, long FailedRows, long SequencesComputed, long PaddedTokens, double ElapsedSeconds, long Batches, int Devices, double DeviceBusySeconds, long? AggregatorCalls)
{
    /// <summary>Reads the job's snapshot, waiting up to <paramref name="wait"/> for the registry to hold its final one.</summary>
    public static async Task<JobApiSnapshot> ReadFinalAsync(Uri view, string jobId, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var address = new Uri(view, $"api/jobs/{Uri.EscapeDataString(jobId)}");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            // The client exits once the coordinator says completed, which may be a moment before the aggregator's final
            // snapshot reaches the registry; until then the API answers with the running aggregator's figures.
            using var json = JsonDocument.Parse(await http.GetStringAsync(address, cancellationToken));
            var root = json.RootElement;
            if (Get(root, "completed")?.GetBoolean() == true)
            {
                var devices = Get(root, "devices") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : new List<JsonElement>();
                return new JobApiSnapshot(
                    Long(root, "rows"), Long(root, "failedRows"), Long(root, "sequencesComputed"), Long(root, "paddedTokens"),
                    Get(root, "elapsed")?.GetDouble() ?? throw new InvalidOperationException($"{address}: the snapshot has no elapsed time."),
                    devices.Sum(d => Long(d, "batches")), devices.Count, devices.Sum(d => Get(d, "busy")?.GetDouble() ?? 0), Get(root, "aggregatorCalls")?.GetInt64());
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{address} did not show job {jobId} completed within {wait}.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    // By name without regard to case: the API writes camelCase, and a field a build lacks is null, not an error.
    private static JsonElement? Get(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind != JsonValueKind.Null)
            {
                return property.Value;
            }
        }

        return null;
    }

    private static long Long(JsonElement element, string name) => Get(element, name)?.GetInt64() ?? 0;
}
