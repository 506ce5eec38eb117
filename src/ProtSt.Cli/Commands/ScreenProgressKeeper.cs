using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>
/// Makes a running screen resumable: every <c>Screen:CheckpointRecords</c> records or <c>Screen:CheckpointInterval</c>,
/// whichever comes first, it makes the output files durable and then records in <c>progress.json</c> how far they go
/// (and hands each checkpoint to <paramref name="published"/>, which for clusters stores it in grain storage too).
/// </summary>
internal sealed class ScreenProgressKeeper(
    string directory, ScreenProgress progress, ScreenResultWriter writer, int everyRecords, TimeSpan interval, Func<ScreenProgress, Task>? published = null)
{
    private long _records = progress.Records;
    private long _shardSkipped = progress.ShardSkipped;
    private long _checkpointed = progress.Records;
    private DateTime _last = DateTime.UtcNow;

    /// <summary>Records committed at the last checkpoint.</summary>
    public long Committed => _checkpointed;

    /// <summary>Counts a record the shards refused as invalid (reported, not written); it is saved with the next checkpoint.</summary>
    public void ShardSkipped()
    {
        _records++;
        _shardSkipped++;
    }

    /// <summary>Counts a record just written (a row or a failure) and checkpoints when one is due.</summary>
    public async ValueTask WrittenAsync(CancellationToken cancellationToken)
    {
        _records++;
        if (_records - _checkpointed >= everyRecords || DateTime.UtcNow - _last >= interval)
        {
            await CheckpointAsync(complete: false, cancellationToken);
        }
    }

    public async Task CheckpointAsync(bool complete, CancellationToken cancellationToken)
    {
        var files = await writer.CheckpointAsync(cancellationToken);
        var checkpoint = progress with { Records = _records, ShardSkipped = _shardSkipped, Complete = complete, Files = files };
        checkpoint.Write(directory);
        (_checkpointed, _last) = (_records, DateTime.UtcNow);
        if (published is not null)
        {
            await published(checkpoint);
        }
    }
}
