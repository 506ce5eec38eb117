using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs.Parts;

/// <summary>
/// Assembles a finished job's parts, in shard order, into results.tsv, failures.tsv and embeddings.parquet (and
/// residues.parquet, contacts.parquet when the job asked for them) in the output folder: the TSV files by copying each part's lines after its header, the Parquet file by copying row groups;
/// results.idx from the parts' indexes, map.sketch from their sketches.
/// Each file is written under a temporary name and renamed, so an assembled file is whole or absent.
/// </summary>
public static class PartAssembler
{
    public static async Task AssembleAsync(string output, string partsDirectory, int shards, ScoreColumns? columns, bool withFeature, CancellationToken cancellationToken)
    {
        var parts = Enumerable.Range(0, shards).Select(i => PartFolder.PathOf(partsDirectory, i)).ToList();
        if (parts.Count == 0)
        {
            // No record was kept: the files still exist, with their headers and schema.
            await using var empty = new ScreenResultWriter(output, columns, withFeature);
            return;
        }

        // The sink names the files a part holds, so an output kind it gains is assembled without a change here.
        foreach (var name in ScreenResultWriter.TsvFiles)
        {
            await ConcatenateTextAsync(parts, name, output, cancellationToken);
        }

        await ResultsIndex.ConcatenateAsync(parts, output, cancellationToken);
        await MapSketch.ConcatenateAsync(parts, output, cancellationToken);

        foreach (var name in ScreenResultWriter.ParquetFiles.Concat(ScreenResultWriter.OptionalParquetFiles.Where(n => File.Exists(Path.Combine(parts[0], n)))))
        {
            var target = Path.Combine(output, name);
            var temporary = target + ".assembling";
            await ParquetRowGroupCopier.ConcatenateAsync(parts.Select(p => Path.Combine(p, name)).ToList(), temporary, cancellationToken);
            File.Move(temporary, target, overwrite: true);
        }
    }

    /// <summary>
    /// Writes <c>parts/results.idx</c>, one index of all the parts of a finished job kept in parts (<c>--output-layout
    /// parts</c>), and <c>parts/map.sketch</c>, their sketches' sum, so a silo answers its pages and its map's axes from
    /// one file each instead of one a part; neither when a part has none.
    /// </summary>
    public static async Task IndexPartsAsync(string partsDirectory, int shards, CancellationToken cancellationToken)
    {
        List<string> parts = [.. Enumerable.Range(0, shards).Select(i => PartFolder.PathOf(partsDirectory, i))];
        await ResultsIndex.WritePartsAsync(parts, partsDirectory, cancellationToken);
        await MapSketch.ConcatenateAsync(parts, partsDirectory, cancellationToken);
    }

    private static async Task ConcatenateTextAsync(List<string> parts, string name, string output, CancellationToken cancellationToken)
    {
        var target = Path.Combine(output, name);
        var temporary = target + ".assembling";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (var i = 0; i < parts.Count; i++)
            {
                await using var part = new FileStream(Path.Combine(parts[i], name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                if (i > 0)
                {
                    SkipLine(part);
                }

                await part.CopyToAsync(stream, cancellationToken);
            }

            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    // Every part starts with the same header line; only the first part's is kept.
    private static void SkipLine(FileStream part)
    {
        int b;
        while ((b = part.ReadByte()) >= 0 && b != '\n')
        {
        }
    }
}
