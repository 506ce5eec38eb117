using System.IO.Compression;
using System.Text;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class SequenceInputTests
{
    /// <summary>Every record of <paramref name="path"/> read with <paramref name="policy"/>, problems added to <paramref name="problems"/>.</summary>
    internal static async Task<List<SequenceRecord>> ReadAll(string path, InvalidRecordPolicy policy = InvalidRecordPolicy.Fail, List<InputProblem>? problems = null)
    {
        var records = new List<SequenceRecord>();
        await foreach (var record in SequenceInput.ReadAsync(path, policy, p => problems?.Add(p), CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task Reads_the_protst_dataset_layout_with_spaced_residues_and_labels()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "subloc-sample.csv");
        var records = await ReadAll(path);
        Assert.Equal(20, records.Count);
        Assert.Equal("0", records[0].Id);
        Assert.StartsWith("MGLPVSWAPPALWVLGCC", records[0].Sequence, StringComparison.Ordinal);
        Assert.DoesNotContain(' ', records[0].Sequence);
        Assert.All(records, r => Assert.InRange(int.Parse(r.Label!, System.Globalization.CultureInfo.InvariantCulture), 0, 9));
        Assert.Equal(2, records[0].Line);
    }

    [Fact]
    public async Task Reads_tsv_gzip_and_quoted_csv()
    {
        using var scratch = new TempDirectory();
        var tsv = scratch.Combine("in.tsv.gz");
        await using (var gzip = new GZipStream(File.Create(tsv), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("id\tsequence\nA\tMKV\nB\tLLA\n"));
        }

        Assert.Equal(["MKV", "LLA"], (await ReadAll(tsv)).Select(r => r.Sequence));

        var csv = scratch.Write("in.csv", "name,sequence,note\n\"x, y\",MKV,\"said \"\"hi\"\"\"\nz,LLA,\n");
        Assert.Equal(["x, y", "z"], (await ReadAll(csv)).Select(r => r.Id));
    }

    [Fact]
    public async Task A_header_without_a_sequence_column_is_explained()
    {
        using var scratch = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(scratch.Write("in.csv", "id,protein\nA,MKV\n")));
        Assert.Contains(":1: no sequence column in the header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_rows_are_skipped_or_fatal_with_their_line()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("in.csv", "id,sequence\nA,MKV\nB,MKV,extra\nC,\nD,LLA\n");
        var problems = new List<InputProblem>();
        Assert.Equal(["A", "D"], (await ReadAll(path, InvalidRecordPolicy.Skip, problems)).Select(r => r.Id));
        Assert.Equal(["3: 3 fields where the header has 2", "4: the record has no sequence"], problems.Select(p => $"{p.Line}: {p.Message}"));
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Equal(3, error.Problem.Line);
    }

    [Fact]
    public async Task The_same_id_with_a_different_sequence_is_refused_but_an_exact_repeat_is_kept()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("in.fasta", ">A\nMKV\n>A\nmkv\n>A\nLLA\n>B\nLLA\n");
        var problems = new List<InputProblem>();
        var records = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["A", "A", "B"], records.Select(r => r.Id));
        var problem = Assert.Single(problems);
        Assert.Equal((5L, "A", "this id was used before for a different sequence"), (problem.Line, problem.Id!, problem.Message));

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Contains(":5: A: this id was used before", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_garbage_in_a_csv_is_reported()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("bin.csv");
        File.WriteAllBytes(path, [.. "id,sequence\nA,MK"u8, 0x00, 0x07, .. "\n"u8]);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Contains(":2: binary data", error.Message, StringComparison.Ordinal);
    }
}
