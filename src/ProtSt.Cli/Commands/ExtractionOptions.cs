using System.CommandLine;
using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>--include</c>, <c>--layers</c>, <c>--long</c> and <c>--window-residues</c>: what a job extracts beyond the mean
/// embedding (<see cref="Extraction"/>), shared by the commands that submit jobs. The words are checked before the job is
/// submitted; the layers and contacts against the model when the silo takes it.
/// </summary>
internal sealed class ExtractionOptions
{
    public Option<string?> Include { get; } = new("--include")
    {
        Description = "What to write per protein, comma-separated: mean (mean_<k> columns), per-residue (residues.parquet), bos (<cls> state, bos_<k> columns), contacts (contacts.parquet). Default: the embedding column only.",
    };

    public Option<string?> Layers { get; } = new("--layers")
    {
        Description = "Layers for --include, comma-separated as fair-esm numbers them: 0 the embeddings, L the last; negative counts from the end (-1 = L); or all. Default -1.",
    };

    public Option<string?> Long { get; } = new("--long")
    {
        Description = "Proteins past 1,022 residues: truncate (as fair-esm, the truncated column says so) or window (overlapping windows combined, see docs/models.md). Default truncate.",
    };

    public Option<int?> WindowResidues { get; } = new("--window-residues")
    {
        Description = $"With --long window: residues per window (8 to {Extraction.DefaultWindowResidues}; default {Extraction.DefaultWindowResidues}); windows overlap by half.",
    };

    public IEnumerable<Option> All => [Include, Layers, Long, WindowResidues];

    /// <summary>True when any of the options was given on the command line.</summary>
    public bool Given(ParseResult parse) => All.Any(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>The request with the job's extraction; none when no option was given (today's output, unchanged).</summary>
    public Client.JobRequest Apply(Client.JobRequest request, ParseResult parse)
    {
        if (!Given(parse))
        {
            return request;
        }

        var (extraction, problem) = Extraction.Parse(parse.GetValue(Include), parse.GetValue(Layers), parse.GetValue(Long), parse.GetValue(WindowResidues));
        return extraction is null ? throw new ArgumentException($"--{problem}") : request with { Extract = extraction };
    }
}
