using Parquet;
using Parquet.Schema;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

/// <summary>Parquet in the ProtST datasets' layout, as the hub serves them: int64 ids and labels, spaced residues.</summary>
public sealed class ParquetInputTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dataset_layout_reads_ids_sequences_and_labels(bool nullable)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("test.parquet");
        var id = new DataField("Unnamed: 0", nullable ? typeof(long?) : typeof(long));
        var sequence = new DataField<string>("prot_seq");
        var label = new DataField("localization", nullable ? typeof(long?) : typeof(long));
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, sequence, label), stream))
        {
            using var group = writer.CreateRowGroup();
            if (nullable)
            {
                await group.WriteAsync<long>(id, new long?[] { 7, 8, 9 });
                await group.WriteAsync(sequence, new[] { "M K V L", "A C D", " " });
                await group.WriteAsync<long>(label, new long?[] { 3, 0, 1 });
            }
            else
            {
                await group.WriteAsync<long>(id, new long[] { 7, 8, 9 });
                await group.WriteAsync(sequence, new[] { "M K V L", "A C D", " " });
                await group.WriteAsync<long>(label, new long[] { 3, 0, 1 });
            }
        }

        var problems = new List<InputProblem>();
        var records = await SequenceInput.ReadAsync(path, InvalidRecordPolicy.Skip, problems.Add, CancellationToken.None).ToListAsync();
        Assert.Equal([("7", "MKVL", "3"), ("8", "ACD", "0")], records.Select(r => (r.Id, r.Sequence, r.Label)));
        Assert.Equal([1L, 2L], records.Select(r => r.Line));
        var problem = Assert.Single(problems);
        Assert.Equal((3L, "9"), (problem.Line, problem.Id));

        var error = await Assert.ThrowsAsync<InvalidInputException>(async () => await SequenceInput.ReadAsync(path, InvalidRecordPolicy.Fail, null, CancellationToken.None).ToListAsync());
        Assert.Contains("no sequence", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_without_a_sequence_column_names_what_it_has()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("bad.parquet");
        var field = new DataField<string>("text");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(field, new[] { "x" });
        }

        var error = await Assert.ThrowsAsync<InvalidInputException>(async () => await SequenceInput.ReadAsync(path, InvalidRecordPolicy.Skip, null, CancellationToken.None).ToListAsync());
        Assert.Contains("found: text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_parquet_file_is_reported_not_crashed_on()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("cut.parquet");
        await File.WriteAllBytesAsync(path, [.. "PAR1"u8.ToArray(), 1, 2, 3]);
        var error = await Assert.ThrowsAsync<InvalidInputException>(async () => await SequenceInput.ReadAsync(path, InvalidRecordPolicy.Skip, null, CancellationToken.None).ToListAsync());
        Assert.Contains("not a readable Parquet file", error.Message, StringComparison.Ordinal);
    }
}
