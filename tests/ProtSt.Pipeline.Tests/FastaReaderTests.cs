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

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
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
    public async Task Garbage_in_a_header_spoils_that_record_only()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("header.fasta");
        File.WriteAllBytes(path, [.. ">A\nMKV\n>B"u8, 0x7F, .. " junk\nLLA\n>C\nWWW\n"u8]);
        var problems = new List<InputProblem>();
        var kept = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["A", "C"], kept.Select(r => r.Id));
        Assert.Equal(["MKV", "WWW"], kept.Select(r => r.Sequence));
        var problem = Assert.Single(problems);
        Assert.Equal(3, problem.Line);
        Assert.Contains("0x7F", problem.Message, StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Equal(3, error.Problem.Line);
    }

    [Fact]
    public async Task Concatenated_gzip_members_are_read_whole_and_a_cut_one_is_refused()
    {
        using var scratch = new TempDirectory();
        var first = Gzip(string.Concat(Enumerable.Range(0, 500).Select(i => $">P{i}\nMKVLLA{i}\n")));
        var second = Gzip(">Q\nWWW\n");
        var path = scratch.Combine("cat.fa.gz");
        File.WriteAllBytes(path, [.. first, .. second]);
        var records = await ReadAll(path);
        Assert.Equal(501, records.Count);
        Assert.Equal(("Q", "WWW"), (records[^1].Id, records[^1].Sequence));

        // Cut inside the second member: the first one's records come through, then the cut is reported.
        File.WriteAllBytes(path, [.. first, .. second[..^5]]);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
        Assert.Contains("corrupt or truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bgzf_files_are_recognised_by_their_end_of_file_block()
    {
        using var scratch = new TempDirectory();
        var eof = Convert.FromHexString("1F8B08040000000000FF0600424302001B0003000000000000000000");
        var path = scratch.Combine("blocks.fa.gz");
        File.WriteAllBytes(path, [.. Gzip(">A\nMKV\n"), .. Gzip(">B\nLLA\n"), .. eof]);
        Assert.Equal(["A", "B"], (await ReadAll(path)).Select(r => r.Id));

        File.WriteAllBytes(path, [.. Gzip(">A\nMKV\n"), .. Gzip(">B\nLLA\n")[..^3]]);
        await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path));
    }

    [Fact]
    public async Task Reads_a_stream_under_its_display_name_and_leaves_it_open()
    {
        using var stream = new MemoryStream(Gzip(">A desc\nMK\nV\n>B\n"));
        var records = new List<SequenceRecord>();
        var error = await Assert.ThrowsAsync<InvalidInputException>(async () =>
        {
            await foreach (var record in FastaReader.ReadAsync(stream, "stdin", CancellationToken.None))
            {
                records.Add(record);
            }
        });

        Assert.Equal([new SequenceRecord("A", "MKV", "stdin", 1)], records);
        Assert.Equal("stdin:4: B: the record has no sequence", error.Message);
        Assert.True(stream.CanRead);
    }

    [Fact]
    public async Task Missing_file_is_named()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => ReadAll("/nonexistent/x.fasta"));
        Assert.Contains("/nonexistent/x.fasta", error.Message, StringComparison.Ordinal);
    }
}
