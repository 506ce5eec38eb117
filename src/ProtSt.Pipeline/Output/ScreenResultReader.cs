using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Reads back what <see cref="ScreenResultWriter"/> wrote to a folder (an output folder or one part of it), typed and
/// streamed: the rows of <see cref="ResultsTable"/> and <see cref="EmbeddingsTable"/> paired, and the <see cref="FailuresTable"/>.
/// </summary>
public static class ScreenResultReader
{
    /// <summary>
    /// Each row of <paramref name="directory"/>'s results with its embedding (and feature, with <paramref name="withFeature"/>);
    /// refuses files whose rows do not pair up.
    /// </summary>
    public static async IAsyncEnumerable<ScreenRow> ReadRowsAsync(string directory, bool withFeature, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var embeddingsPath = EmbeddingsTable.PathIn(directory);
        await using var embeddings = EmbeddingsTable.ReadAsync(embeddingsPath, withFeature, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var row = 0;
        await foreach (var result in ResultsTable.ReadAsync(ResultsTable.PathIn(directory), cancellationToken))
        {
            row++;
            if (!await embeddings.MoveNextAsync())
            {
                throw new InvalidDataException($"{embeddingsPath} ends after {row - 1} rows; {ResultsTable.FileName} beside it has more.");
            }

            if (embeddings.Current.Id != result.Id)
            {
                throw new InvalidDataException($"{embeddingsPath}: row {row} is '{embeddings.Current.Id}' where {ResultsTable.FileName} has '{result.Id}'.");
            }

            yield return new ScreenRow(result, embeddings.Current);
        }

        if (await embeddings.MoveNextAsync())
        {
            throw new InvalidDataException($"{embeddingsPath} has more rows than the {row} of {ResultsTable.FileName} beside it.");
        }
    }

    /// <summary>The records of <paramref name="directory"/> that the devices failed on.</summary>
    public static IAsyncEnumerable<FailureRow> ReadFailuresAsync(string directory, CancellationToken cancellationToken) =>
        FailuresTable.ReadAsync(FailuresTable.PathIn(directory), cancellationToken);
}
