namespace ProtSt.Pipeline;

/// <summary>
/// Opens an input file for reading, refusing with a clear message what cannot be one: a missing path, a folder, or a
/// pipe or device. Inputs are read more than once (counted for the progress bar, hashed and re-read by
/// <c>--resume</c>), which a pipe cannot give.
/// </summary>
public static class InputFile
{
    private const string PipeOrDevice =
        "this is a pipe or device, not a regular file; the input is read more than once (counted, hashed for --resume), so save it to a file first";

    /// <summary>Throws <see cref="InvalidInputException"/> or <see cref="FileNotFoundException"/> unless <paramref name="path"/> is a readable regular file.</summary>
    public static void Check(string path)
    {
        using var _ = Open(path);
    }

    /// <summary>The file, opened for asynchronous reading and seekable; see <see cref="Check"/>.</summary>
    public static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidInputException(new InputProblem(path, 0, null, "this is a folder; the input must be a FASTA, CSV/TSV or Parquet file"));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        // Checked before opening: opening a FIFO blocks until a writer comes, and /dev/zero seeks like a file.
        if (!RegularFile.IsRegularOrUnknown(path))
        {
            throw new InvalidInputException(new InputProblem(path, 0, null, PipeOrDevice));
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        if (!file.CanSeek)
        {
            file.Dispose();
            throw new InvalidInputException(new InputProblem(path, 0, null, PipeOrDevice));
        }

        return file;
    }
}
