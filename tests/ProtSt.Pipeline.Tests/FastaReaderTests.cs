using System.IO.Compression;
using System.Text;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class FastaReaderTests
{
    private static async Task<List<SequenceRecord>> ReadAll(string path, InvalidRecordPolicy policy = InvalidRecordPolicy.Fail, List<InputProblem>? problems = null)
    {
        var records = new List<SequenceRecord>();
        await foreach (var record in FastaReader.ReadAsync(path, policy, p => problems?.Add(p), CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task Reads_multi_line_records_with_crlf_comments_and_blank_lines()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("in.fasta", ";comment\r\n>sp|P1|ONE first protein\r\nMKV\r\n LLA \r\n\r\n>P2\tsecond\nACD\n>P3\nW");
        var records = await ReadAll(path);
        Assert.Equal(["sp|P1|ONE", "P2", "P3"], records.Select(r => r.Id));
        Assert.Equal(["MKVLLA", "ACD", "W"], records.Select(r => r.Sequence));
        Assert.Equal([2L, 6, 8], records.Select(r => r.Line));
        Assert.All(records, r => Assert.Equal(path, r.SourceFile));
    }

    [Fact]
    public async Task Reads_gzip_by_its_magic_bytes_whatever_the_name()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("proteins.txt");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(">A\nMKV\n>B\nLLA\n"));
        }

        Assert.Equal(["MKV", "LLA"], (await ReadAll(path)).Select(r => r.Sequence));
    }

    [Fact]
    public async Task Truncated_gzip_names_the_file()
    {
        using var scratch = new TempDirectory();
        var full = new MemoryStream();
        await using (var gzip = new GZipStream(full, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $">P{i}\nMKVLLAACDEFGHIKLMNPQRSTVWY{i}\n"))));
        }

        var path = scratch.Combine("cut.fasta.gz");
        File.WriteAllBytes(path, full.ToArray()[..(int)(full.Length / 2)]);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Contains("cut.fasta.gz", error.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt or truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_garbage_is_reported_with_its_line()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("garbage.fasta");
        File.WriteAllBytes(path, [(byte)'>', (byte)'A', (byte)'\n', (byte)'M', 0x00, 0x01, (byte)'\n']);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Equal(2, error.Problem.Line);
        Assert.Contains("binary data", error.Message, StringComparison.Ordinal);

        var problems = new List<InputProblem>();
        File.WriteAllBytes(path, [.. ">A\nM"u8, 0x00, .. "\n>B\nMKV\n"u8]);
        var kept = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["B"], kept.Select(r => r.Id));
        Assert.Equal("A", Assert.Single(problems).Id);
    }

    [Fact]
    public async Task Empty_record_is_skipped_or_fatal_by_policy()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("empty.fasta", ">A\n>B\nMKV\n>\nMKV\n");
        var problems = new List<InputProblem>();
        var records = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["B"], records.Select(r => r.Id));
        Assert.Equal(["the record has no sequence", "the header has no id"], problems.Select(p => p.Message));
        Assert.Equal([1L, 4], problems.Select(p => p.Line));

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Equal($"{path}:1: A: the record has no sequence", error.Message);
    }

    [Fact]
    public async Task Sequence_before_any_header_is_not_fasta()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("bad.fasta", "MKV\n>A\nMKV\n");
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Contains(":1: sequence data before the first '>' header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_file_is_named()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => ReadAll("/nonexistent/x.fasta"));
        Assert.Contains("/nonexistent/x.fasta", error.Message, StringComparison.Ordinal);
    }
}
