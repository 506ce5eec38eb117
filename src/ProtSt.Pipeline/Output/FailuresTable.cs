using System.Globalization;
using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Owns <c>failures.tsv</c>: <c>id</c>, <c>length</c>, <c>error</c> (line breaks and tabs flattened to spaces) for each
/// record the devices failed on; such a record has no row in <see cref="ResultsTable"/> or <see cref="EmbeddingsTable"/>.
/// </summary>
public static class FailuresTable
{
    public const string FileName = "failures.tsv";
    public const string Header = "id\tlength\terror";

    /// <summary>The file in <paramref name="directory"/> (an output folder or one part of it).</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The rows of the table at <paramref name="path"/>, streamed in file order.</summary>
    public static async IAsyncEnumerable<FailureRow> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var line = 0;
        await foreach (var fields in TsvTable.ReadAsync(path, cancellationToken))
        {
            if (line++ == 0)
            {
                if (string.Join('\t', fields) != Header)
                {
                    throw new InvalidDataException($"{path} starts with '{string.Join('\t', fields)}', not the '{Header}' of a failures table.");
                }

                continue;
            }

            if (fields.Length != 3)
            {
                throw new InvalidDataException($"{path}: line {line} has {fields.Length} fields where the header has 3.");
            }

            yield return new FailureRow(fields[0], int.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture), fields[2]);
        }

        if (line == 0)
        {
            throw new InvalidDataException($"{path} is empty: a failures table has at least its header line.");
        }
    }
}
