using System.Runtime.CompilerServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// The text conventions every TSV output shares: UTF-8 without BOM, <c>\n</c> line ends, one header line, no quoting
/// (so no field may hold a tab or line break). The tables' writers and readers go through it so they cannot drift apart.
/// </summary>
internal static class TsvTable
{
    /// <summary>Creates <paramref name="path"/> afresh and writes its header line.</summary>
    public static StreamWriter Create(string path, string header, int bufferSize)
    {
        var writer = Writer(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), bufferSize);
        writer.WriteLine(header);
        return writer;
    }

    /// <summary>Reopens <paramref name="path"/> cut back to <paramref name="length"/> bytes (a checkpoint), to append after.</summary>
    public static StreamWriter Reopen(string path, long length, int bufferSize) =>
        Writer(CheckpointedFile.OpenAt(path, length, FileAccess.Write), bufferSize);

    /// <summary>Flushes <paramref name="writer"/> to disk and returns the file's length: the point a resume cuts back to.</summary>
    public static async Task<long> DurableLengthAsync(StreamWriter writer, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken);
        ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
        return writer.BaseStream.Position;
    }

    /// <summary>Refuses a value that would split a row or a line.</summary>
    public static void CheckField(string value, string what)
    {
        if (value.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"{what} '{value.ReplaceLineEndings(" ")}' contains a tab or line break and cannot be written to TSV.");
        }
    }

    /// <summary>The header's column names, then each row's fields, one line at a time (a table may be far larger than memory).</summary>
    public static async IAsyncEnumerable<string[]> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), new UTF8Encoding(false));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line.Split('\t');
        }
    }

    private static StreamWriter Writer(FileStream stream, int bufferSize) => new(stream, new UTF8Encoding(false), bufferSize) { NewLine = "\n" };
}
