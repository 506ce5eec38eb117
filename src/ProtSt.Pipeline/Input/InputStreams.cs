using System.IO.Compression;

namespace ProtSt.Pipeline;

/// <summary>Opening input streams the same way for every reader: gzip by magic bytes, not by file name.</summary>
public static class InputStreams
{
    public static async Task<Stream> OpenAsync(Stream stream, string displayName, CancellationToken cancellationToken)
    {
        var buffered = new BufferedStream(stream, 1 << 16);
        var magic = new byte[2];
        var read = 0;
        while (read < 2)
        {
            var n = await buffered.ReadAsync(magic.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        // Put the sniffed bytes back in front, which works for pipes as well as files.
        Stream rest = new PrefixedStream(magic.AsMemory(0, read), buffered);
        if (read < 2 || magic[0] != 0x1F || magic[1] != 0x8B)
        {
            return rest;
        }

        var gzip = new GZipStream(rest, CompressionMode.Decompress);

        // Only a seekable file has a tail to check; a pipe is decompressed as it comes.
        return stream.CanSeek ? new GzipTrailerCheckStream(gzip, GzipTrailerCheckStream.ReadTail(stream), displayName) : gzip;
    }

    /// <summary>The first character that cannot appear in a text input (NUL and other C0 controls but tab, CR, LF, form feed), or null.</summary>
    public static char? FindControlCharacter(string line)
    {
        foreach (var c in line)
        {
            if (c < 0x20 && c is not ('\t' or '\r' or '\n' or '\f'))
            {
                return c;
            }
        }

        return null;
    }
}
