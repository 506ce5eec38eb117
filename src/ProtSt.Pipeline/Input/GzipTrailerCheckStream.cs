using System.Buffers.Binary;
using System.IO.Hashing;

namespace ProtSt.Pipeline;

/// <summary>
/// Passes decompressed gzip data through and, at its end, checks it against the file's trailer, because .NET's
/// GZipStream ends silently on a truncated file. A single-member file must match its CRC-32 and length; a BGZF
/// (bgzip) file must end with the BGZF end-of-file block.
/// </summary>
internal sealed class GzipTrailerCheckStream(Stream decompressed, byte[] fileTail, string displayName) : ReadOnlyStream
{
    // The 28-byte empty block bgzip writes last; a cut bgzip file lacks it.
    private static readonly byte[] BgzfEof = Convert.FromHexString("1F8B08040000000000FF0600424302001B0003000000000000000000");

    private readonly Crc32 _crc = new();
    private long _length;
    private bool _checked;

    /// <summary>Reads the last bytes of a seekable file without disturbing its position.</summary>
    public static byte[] ReadTail(Stream file)
    {
        var length = Math.Min(file.Length, BgzfEof.Length);
        var tail = new byte[length];
        var position = file.Position;
        file.Seek(-length, SeekOrigin.End);
        file.ReadExactly(tail);
        file.Position = position;
        return tail;
    }

    public override int Read(Span<byte> buffer) => Observe(buffer, decompressed.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await decompressed.ReadAsync(buffer, cancellationToken);
        return Observe(buffer.Span, read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decompressed.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Observe(Span<byte> buffer, int read)
    {
        if (read > 0)
        {
            _crc.Append(buffer[..read]);
            _length += read;
        }
        else if (!_checked)
        {
            _checked = true;
            Check();
        }

        return read;
    }

    private void Check()
    {
        if (fileTail.AsSpan().SequenceEqual(BgzfEof))
        {
            return;
        }

        var trailer = fileTail.AsSpan(Math.Max(0, fileTail.Length - 8));
        if (trailer.Length == 8
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer) == _crc.GetCurrentHashAsUInt32()
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)_length)
        {
            return;
        }

        throw new InvalidDataException(
            $"{displayName}: the gzip data is truncated or corrupt (its CRC-32/length trailer does not match the {_length} bytes decompressed; " +
            "a file made by concatenating several gzip files must be recompressed as one)");
    }
}
