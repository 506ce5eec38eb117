using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

/// <summary>
/// The inputs that once broke the reader (issue 18; the files are in fixtures/input): each bad record is that
/// record's problem, with its file and line, and no record costs memory beyond the limits.
/// </summary>
public sealed class HostileInputTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "input", name);

    private static Task<List<SequenceRecord>> ReadAll(string path, InvalidRecordPolicy policy = InvalidRecordPolicy.Fail, List<InputProblem>? problems = null) =>
        SequenceInputTests.ReadAll(path, policy, problems);

    [Theory]
    [InlineData("16_100001.fasta", "the sequence has 100001 residues; the limit is Security:MaxSequenceResidues = 100000")]
    [InlineData("31_long_id_10k.fasta", "the id has 10000 characters; the limit is Security:MaxIdLength = 1024")]
    public async Task A_record_over_a_security_limit_is_refused_while_read_with_its_line(string file, string message)
    {
        var problems = new List<InputProblem>();
        var records = await ReadAll(Fixture(file), InvalidRecordPolicy.Skip, problems);
        Assert.Equal(5, records.Count);
        var problem = Assert.Single(problems);
        Assert.Equal(message, problem.Message);
        Assert.Equal(11, problem.Line);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(Fixture(file)));
        Assert.Contains($"{file}:11: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fasta_file_with_a_utf8_byte_order_mark_reads()
    {
        var records = await ReadAll(Fixture("21_utf8_bom.fasta"));
        Assert.NotEmpty(records);
        Assert.DoesNotContain(records, r => r.Id.Contains('\uFEFF', StringComparison.Ordinal));
        Assert.Equal(1, records[0].Line);
    }

    [Theory]
    [InlineData("bom_noquote.csv", "A1,A2")]
    [InlineData("48_csv_bom_quotes.csv", "G1,G2,G3,G4")]
    public async Task A_csv_file_with_a_utf8_byte_order_mark_keeps_its_header(string file, string firstIds)
    {
        var records = await ReadAll(Fixture(file));
        Assert.Equal(firstIds.Split(','), records.Take(firstIds.Split(',').Length).Select(r => r.Id));
    }

    [Fact]
    public async Task Utf16_with_its_byte_order_mark_still_reads()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Combine("utf16.fasta");
        await File.WriteAllTextAsync(fasta, ">A\nMKV\n", new UnicodeEncoding(bigEndian: false, byteOrderMark: true));
        var tsv = scratch.Combine("utf16.tsv");
        await File.WriteAllTextAsync(tsv, "id\tsequence\nB\tLLA\n", new UnicodeEncoding(bigEndian: true, byteOrderMark: true));
        Assert.Equal(("A", "MKV"), (await ReadAll(fasta)).Select(r => (r.Id, r.Sequence)).Single());
        Assert.Equal(("B", "LLA"), (await ReadAll(tsv)).Select(r => (r.Id, r.Sequence)).Single());
    }

    [Fact]
    public async Task A_quoted_field_spanning_lines_is_one_record_with_the_line_it_starts_on()
    {
        var problems = new List<InputProblem>();
        var records = await ReadAll(Fixture("28_tsv_multiline_quote.tsv"), InvalidRecordPolicy.Skip, problems);
        Assert.Empty(problems);
        Assert.Equal(["G1", "G2", "Q1", "G3", "G4", "G5"], records.Select(r => r.Id));
        var q1 = records[2];
        Assert.Equal(("MKVLLAAGIV", 4L), (q1.Sequence, q1.Line));
        Assert.Equal(6L, records[3].Line);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task A_csv_record_too_long_is_skipped_and_the_lines_after_it_stay_true(string newline)
    {
        using var scratch = new TempDirectory();
        var huge = new string('M', InputLimits.Default.MaxRecordChars + 10);
        var path = scratch.Write("in.csv", $"id,sequence\nA,MKV\nB,\"{huge}\n{huge}\"\nC,LLA\n\"D\",\"{huge}".Replace("\n", newline, StringComparison.Ordinal));
        var problems = new List<InputProblem>();
        var records = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal([("A", 2L), ("C", 5L)], records.Select(r => (r.Id, r.Line)));
        Assert.Equal([3L, 6L], problems.Select(p => p.Line));
        Assert.All(problems, p => Assert.StartsWith("the record is longer than", p.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("huge.fasta.gz", ">A\nMKV\n>B\n", "\n>C\nLLA\n")]
    [InlineData("huge.tsv.gz", "id\tsequence\nA\tMKV\nB\t", "\nC\tLLA\n")]
    public async Task One_endless_line_costs_memory_by_the_limit_not_by_its_length(string name, string before, string after)
    {
        // 256 Mi characters compress to a few hundred KB; the reader used to hold the whole line (and more) at once.
        using var scratch = new TempDirectory();
        var path = scratch.Combine(name);
        await using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.ASCII.GetBytes(before));
            var block = Encoding.ASCII.GetBytes(new string('M', 1 << 20));
            for (var i = 0; i < 256; i++)
            {
                gzip.Write(block);
            }

            gzip.Write(Encoding.ASCII.GetBytes(after));
        }

        var problems = new List<InputProblem>();
        var read = Task.Run(async () =>
        {
            var records = new List<SequenceRecord>();
            await foreach (var record in SequenceInput.ReadAsync(path, InvalidRecordPolicy.Skip, problems.Add, CancellationToken.None).ConfigureAwait(false))
            {
                records.Add(record);
            }

            return records;
        });
        var peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
        var records = await read;

        // A line held whole is 512 MiB of UTF-16; the bound keeps it near the limit's 0.5 MiB.
        var grown = Process.GetCurrentProcess().PeakWorkingSet64 - peakBefore;
        Assert.True(grown < 256L << 20, $"the peak working set grew by {grown >> 20} MiB");
        Assert.Equal(["A", "C"], records.Select(r => r.Id));
        Assert.Equal(3L, Assert.Single(problems).Line);
    }

    [Fact]
    public async Task A_damaged_parquet_footer_is_an_error_not_an_empty_input()
    {
        Assert.Equal(50, (await ReadAll(Fixture("valid.parquet"))).Count);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(Fixture("footerflip.parquet"), InvalidRecordPolicy.Skip));
        Assert.Contains("footerflip.parquet: not a readable Parquet file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damaged_parquet_metadata_is_an_input_error()
    {
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(Fixture("midcorrupt.parquet"), InvalidRecordPolicy.Skip));
        Assert.Contains("midcorrupt.parquet: not a readable Parquet file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_parquet_page_is_an_input_error_naming_its_row_group()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("badpage.parquet");
        var bytes = await File.ReadAllBytesAsync(Fixture("valid.parquet"));
        bytes.AsSpan(4, 64).Fill(0xFF);
        await File.WriteAllBytesAsync(path, bytes);
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(path, InvalidRecordPolicy.Skip));
        Assert.Contains("badpage.parquet: not a readable Parquet file: the row group starting at row 1 is damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_in_an_id_refuses_that_record_instead_of_merging_ids()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("bad-utf8.fasta");
        await File.WriteAllBytesAsync(path, [.. ">P\xC3"u8.ToArray()[..2], 0xFF, .. "\nMKV\n>P"u8, 0xFE, .. "\nLLA\n>Q\nMKV\n"u8]);
        var problems = new List<InputProblem>();
        var records = await ReadAll(path, InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["Q"], records.Select(r => r.Id));
        Assert.Equal([1L, 3L], problems.Select(p => p.Line));
        Assert.All(problems, p => Assert.Contains("not valid UTF-8", p.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("in.fasta", ">A\u2028B\nMKV\n>C\nLLA\n")]
    [InlineData("in.fasta", ">A\u2029B\nMKV\n>C\nLLA\n")]
    [InlineData("in.tsv", "id\tsequence\n\"A\nB\"\tMKV\nC\tLLA\n")]
    [InlineData("in.csv", "id,sequence\n\"A\tB\",MKV\nC,LLA\n")]
    [InlineData("in.csv", "id,sequence\nA\u2028B,MKV\nC,LLA\n")]
    public async Task An_id_that_would_break_a_results_line_is_refused(string name, string content)
    {
        using var scratch = new TempDirectory();
        var problems = new List<InputProblem>();
        var records = await ReadAll(scratch.Write(name, content), InvalidRecordPolicy.Skip, problems);
        Assert.Equal(["C"], records.Select(r => r.Id));
        Assert.Contains("control or line-separator", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_as_input_says_so()
    {
        using var scratch = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(scratch.Path));
        Assert.Contains("this is a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_pipe_as_input_is_refused_at_once()
    {
        using var scratch = new TempDirectory();
        var fifo = scratch.Combine("in.fasta");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        // A writer, as a shell's process substitution would have; opening a pipe waits for one.
        var writer = Task.Run(async () =>
        {
            try
            {
                await File.WriteAllTextAsync(fifo, ">A\nMKV\n");
            }
            catch (IOException)
            {
                // The reader refused the pipe and closed it.
            }
        });
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(fifo).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("pipe or device, not a regular file", error.Message, StringComparison.Ordinal);

        // The refusal never opened the pipe, so the writer still waits for a reader: be that reader, and let it go.
        await using (new FileStream(fifo, FileMode.Open, FileAccess.Read))
        {
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Residues_without_a_fasta_header_are_not_called_a_csv_header_problem()
    {
        using var scratch = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ReadAll(scratch.Write("in.fasta", "MKVLLAAGIV\nLLA\n")));
        Assert.Contains("not a FASTA file (no '>' header line before the first sequence)", error.Message, StringComparison.Ordinal);
    }
}
