using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

/// <summary>The limits a caller configures (the CLI passes the silos' Security options) are the ones every reader applies.</summary>
public sealed class InputLimitsTests
{
    [Theory]
    [InlineData("in.fasta", ">A\nMKVLL\n>B\nMKVLLA\n>LONGID\nMKV\n>C\nMK\nVLL\n", new[] { 3L, 5L })]
    [InlineData("in.csv", "id,sequence\nA,MKVLL\nB,M K V L L A\nLONGID,MKV\nC,MKVLL\n", new[] { 3L, 4L })]
    public async Task Configured_limits_refuse_records_past_them(string name, string content, long[] lines)
    {
        using var scratch = new TempDirectory();
        var limits = new InputLimits(MaxSequenceResidues: 5, MaxIdLength: 4);
        var problems = new List<InputProblem>();
        var records = new List<SequenceRecord>();
        await foreach (var record in SequenceInput.ReadAsync(scratch.Write(name, content), limits, InvalidRecordPolicy.Skip, problems.Add, CancellationToken.None))
        {
            records.Add(record);
        }

        Assert.Equal(["A", "C"], records.Select(r => r.Id));
        Assert.Equal(lines, problems.Select(p => p.Line));
        Assert.Equal("the sequence has 6 residues; the limit is Security:MaxSequenceResidues = 5", problems[0].Message);
        Assert.Equal("the id has 6 characters; the limit is Security:MaxIdLength = 4", problems[1].Message);
    }

    [Theory]
    [InlineData("in.fasta", ">A\nMKV\n")]
    [InlineData("in.csv", "id,sequence\nA,MKV\n")]
    public async Task The_largest_configurable_limits_read_without_overflowing(string name, string content)
    {
        using var scratch = new TempDirectory();
        var limits = new InputLimits(int.MaxValue, int.MaxValue);
        var records = new List<SequenceRecord>();
        await foreach (var record in SequenceInput.ReadAsync(scratch.Write(name, content), limits, InvalidRecordPolicy.Fail, null, CancellationToken.None))
        {
            records.Add(record);
        }

        Assert.Equal(("A", "MKV"), records.Select(r => (r.Id, r.Sequence)).Single());
    }
}
