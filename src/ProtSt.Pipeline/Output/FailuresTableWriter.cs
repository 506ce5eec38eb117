using System.Globalization;

namespace ProtSt.Pipeline;

/// <summary>Appends rows to a <see cref="FailuresTable"/>, fresh or continued from a checkpoint.</summary>
internal sealed class FailuresTableWriter(StreamWriter writer) : IAsyncDisposable
{
    public static FailuresTableWriter Create(string directory) => new(TsvTable.Create(FailuresTable.PathIn(directory), FailuresTable.Header, 1 << 12));

    public static FailuresTableWriter Resume(string directory, long length) => new(TsvTable.Reopen(FailuresTable.PathIn(directory), length, 1 << 12));

    public async ValueTask WriteAsync(FailureRow row, CancellationToken cancellationToken)
    {
        TsvTable.CheckField(row.Id, "Id");
        var flat = row.Error.ReplaceLineEndings(" ").Replace('\t', ' ');
        await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{row.Id}\t{row.Length}\t{flat}").AsMemory(), cancellationToken);
    }

    public Task<long> CheckpointAsync(CancellationToken cancellationToken) => TsvTable.DurableLengthAsync(writer, cancellationToken);

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
