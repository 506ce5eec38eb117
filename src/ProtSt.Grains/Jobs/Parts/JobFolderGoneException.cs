namespace ProtSt.Grains.Jobs.Parts;

/// <summary>
/// A part was about to be written for a job whose work folders are gone: the job ended (or was taken over and finished
/// elsewhere) while this shard still ran, typically on a silo cut off from the cluster. The part is not written.
/// </summary>
public sealed class JobFolderGoneException(string folder)
    : IOException($"'{folder}' is gone: the job this part belongs to has ended, so the part is not written.")
{
    /// <summary>The work folder that was missing.</summary>
    public string Folder { get; } = folder;
}
