namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// Running totals of one source's work on a job: planned and reported batches, sequences, residues, tokens and each
/// device's share, with a version that grows with every change. Not thread-safe; its owner locks.
/// </summary>
internal sealed class JobFiguresTally
{
    private readonly Dictionary<string, DeviceFigures> _devices = new(StringComparer.Ordinal);
    private long _planned;
    private long _reported;
    private long _sequences;
    private long _residues;
    private long _realTokens;
    private long _paddedTokens;

    public long Version { get; private set; }

    public void AddPlanned(int batches)
    {
        _planned += batches;
        Version++;
    }

    public void Add(BatchReport report)
    {
        _sequences += report.Sequences;
        _residues += report.Residues;
        _realTokens += report.RealTokens;
        _paddedTokens += report.PaddedTokens;
        _reported++;
        Version++;
        if (!report.Computed)
        {
            // Only the queue moves: a device named "" would appear in the job's figures and /metrics.
            return;
        }

        var device = _devices.GetValueOrDefault(report.DeviceKey) ?? new DeviceFigures(report.DeviceKey, 0, 0, 0, 0, TimeSpan.Zero, Accelerator: report.Accelerator);
        _devices[report.DeviceKey] = device with
        {
            Batches = device.Batches + 1,
            Sequences = device.Sequences + report.Sequences,
            RealTokens = device.RealTokens + report.RealTokens,
            PaddedTokens = device.PaddedTokens + report.PaddedTokens,
            Busy = device.Busy + report.Busy,
        };
    }

    public JobFiguresReport ToReport(string source) =>
        new(source, Version, _planned, _reported, _sequences, _residues, _realTokens, _paddedTokens, _devices.Values.ToList());
}
