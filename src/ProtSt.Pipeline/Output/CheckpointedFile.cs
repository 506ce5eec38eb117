namespace ProtSt.Pipeline;

/// <summary>Reopens an output file at its checkpoint: whatever a stopped job wrote after it is cut off.</summary>
internal static class CheckpointedFile
{
    /// <summary>Opens <paramref name="path"/>, truncated to <paramref name="length"/> and positioned there; refuses a file shorter than that.</summary>
    public static FileStream OpenAt(string path, long length, FileAccess access)
    {
        var stream = new FileStream(path, FileMode.Open, access, FileShare.Read);
        if (stream.Length < length)
        {
            var actual = stream.Length;
            stream.Dispose();
            throw new InvalidDataException($"{path} holds {actual} bytes, fewer than the {length} its checkpoint recorded; it was changed after the job stopped.");
        }

        stream.SetLength(length);
        stream.Position = length;
        return stream;
    }
}
