using ProtSt.Grains.Jobs.Parts;
using ProtSt.Grains.Security;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// The one pass over a submitted job's input, on the coordinator's silo: applies <c>--on-invalid</c> with file and line
/// (a sequence the model's alphabet refuses, or one over the security limits, is that record's problem, found before
/// any compute), cuts the records into shards of <see cref="JobSpec.ShardSize"/> and writes each shard's records file,
/// and finds repeated sequences across the whole job: a repeat carries the ordinal of its first occurrence instead of
/// its sequence and is never computed again. The table of first occurrences costs about 40 bytes per distinct
/// sequence (a 128-bit hash and an ordinal: about 40 MB per million distinct sequences), only while planning.
/// </summary>
public static class JobPlanner
{
    /// <summary>Invalid records kept with their file:line for the job's status; all are counted.</summary>
    public const int SkippedSamples = 200;

    public static async Task<JobPlan> PlanAsync(JobSpec spec, EsmTokenizer tokenizer, SecurityOptions limits, CancellationToken cancellationToken)
    {
        var planDirectory = PartFolder.PlanDirectory(spec.Output);
        Directory.CreateDirectory(planDirectory);
        var firsts = new Dictionary<UInt128, long>();
        var shards = new List<PlannedShard>();
        var current = new List<PlannedRecord>(spec.ShardSize);
        var repeats = new HashSet<int>();
        var samples = new List<string>();
        long skipped = 0;
        long repeated = 0;
        long ordinal = 0;
        var policy = spec.FailOnInvalid ? InvalidRecordPolicy.Fail : InvalidRecordPolicy.Skip;

        void Skip(InputProblem problem)
        {
            skipped++;
            if (samples.Count < SkippedSamples)
            {
                samples.Add(problem.ToString());
            }
        }

        async Task FlushAsync()
        {
            if (current.Count == 0)
            {
                return;
            }

            var index = shards.Count;
            await ShardRecordsFile.WriteAsync(planDirectory, index, Path.GetFullPath(spec.Input), current, cancellationToken);
            shards.Add(new PlannedShard(index, current[0].Ordinal, current.Count, current.Count(r => r.Sequence is not null), [.. repeats.Order()]));
            current = new List<PlannedRecord>(spec.ShardSize);
            repeats.Clear();
        }

        await foreach (var record in SequenceInput.ReadAsync(spec.Input, limits.InputLimits, policy, Skip, cancellationToken))
        {
            if (Check(record, tokenizer) is { } problem)
            {
                if (spec.FailOnInvalid)
                {
                    throw new InvalidInputException(problem);
                }

                Skip(problem);
                continue;
            }

            var hash = SequenceIdentity.Of(record.Sequence);
            if (firsts.TryGetValue(hash, out var original))
            {
                current.Add(new PlannedRecord(ordinal, record.Id, record.Line, record.Label, null, original));
                repeated++;
                var shard = checked((int)(original / spec.ShardSize));
                if (shard < shards.Count)
                {
                    repeats.Add(shard);
                }
            }
            else
            {
                firsts[hash] = ordinal;
                current.Add(new PlannedRecord(ordinal, record.Id, record.Line, record.Label, record.Sequence, -1));
            }

            ordinal++;
            if (current.Count == spec.ShardSize)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        return new JobPlan(shards, ordinal, skipped, samples, repeated);
    }

    // What a shard would refuse, found here so that it is the record's problem (with its file and line) and not the
    // shard's. The id and sequence limits were applied while the record was read (the reader got limits.InputLimits).
    private static InputProblem? Check(SequenceRecord record, EsmTokenizer tokenizer)
    {
        string? message = null;
        try
        {
            tokenizer.Encode(record.Sequence);
        }
        catch (InvalidSequenceException e)
        {
            message = e.Message;
        }

        return message is null ? null : new InputProblem(record.SourceFile, record.Line, record.Id, message);
    }
}
