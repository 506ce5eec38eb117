using ProtSt.Grains;
using ProtSt.Model.Configuration;
using ProtSt.Model.Folders;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>Whether <c>--resume</c> can get past what stopped a job, so the "continue with" hint is worth printing.</summary>
internal static class ResumeHint
{
    /// <summary>
    /// False for errors that <c>--resume</c> would meet again, since it replays the same input (its hash is checked),
    /// model and options: a refused request, a model folder that does not open, an invalid record under
    /// <c>--on-invalid fail</c>, a bad option. Interruptions, a lost cluster, a full disk and the like are worth resuming.
    /// </summary>
    public static bool Helps(Exception stopped) =>
        stopped is not (RequestRefusedException or ModelFolderException or ModelConfigException or InvalidInputException
            or InvalidSequenceException or ArgumentException);
}
