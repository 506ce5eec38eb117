using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace ProtSt.Pipeline;

/// <summary>
/// Passes decompressed gzip data through and, at its end, checks that the file really ended with a complete gzip
/// member, because .NET's GZipStream ends silently on a file cut short (it does check the CRC-32 of every member it
/// finishes). The last 8 bytes of the file must be the CRC-32 and length of the data decompressed last.
/// </summary>
internal sealed class GzipTrailerCheckStream : ReadOnlyStream
{
    // The 28-byte empty block bgzip writes last; a cut bgzip file lacks it.
    private static readonly byte[] BgzfEof = Convert.FromHexString("1F8B08040000000000FF0600424302001B0003000000000000000000");

    private readonly Stream _decompressed;
    private readonly Stream _file;
    private readonly byte[] _tail;
    private readonly Crc32 _crc = new();
    private long _length;
    private bool _checked;

    /// <param name="decompressed">The decompressing stream, owned by this one.</param>
    /// <param name="file">The seekable compressed file under it, not owned; read again only for multi-member files.</param>
    public GzipTrailerCheckStream(Stream decompressed, Stream file)
    {
        _decompressed = decompressed;
        _file = file;
        var length = Math.Min(file.Length, BgzfEof.Length);
        _tail = new byte[length];
        var position = file.Position;
        file.Seek(-length, SeekOrigin.End);
        file.ReadExactly(_tail);
        file.Position = position;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = _decompressed.Read(buffer);
        if (Observe(buffer[..read]))
        {
            CheckAsync(useAsync: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _decompressed.ReadAsync(buffer, cancellationToken);
        if (Observe(buffer.Span[..read]))
        {
            await CheckAsync(useAsync: true, cancellationToken);
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decompressed.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Adds a read to the running CRC; true at the first end of data, when the trailer is due for a check.</summary>
    private bool Observe(ReadOnlySpan<byte> read)
    {
        if (read.Length > 0)
        {
            _crc.Append(read);
            _length += read.Length;
            return false;
        }

        if (_checked)
        {
            return false;
        }

        _checked = true;
        return true;
    }

    private async ValueTask CheckAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (_tail.AsSpan().SequenceEqual(BgzfEof))
        {
            return;
        }

        if (_tail.Length >= 8)
        {
            var trailer = _tail.AsSpan(_tail.Length - 8);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);

            // A single-member file is settled by the CRC already computed; only a concatenation of members needs a second pass.
            if ((crc == _crc.GetCurrentHashAsUInt32() && size == (uint)_length)
                || await LastMemberMatchesAsync(crc, size, useAsync, cancellationToken))
            {
                return;
            }
        }

        throw new InvalidDataException(
            $"the gzip data is truncated or corrupt: the file does not end with the CRC-32 and length of the last of the {_length} bytes decompressed");
    }

    /// <summary>Decompresses the file again to learn whether its last <paramref name="size"/> bytes (mod 2^32) have CRC-32 <paramref name="crc"/>.</summary>
    private async ValueTask<bool> LastMemberMatchesAsync(uint crc, uint size, bool useAsync, CancellationToken cancellationToken)
    {
        // gzip keeps a member's length modulo 2^32, so a member past 4 GiB could start at any of these offsets.
        var starts = new List<long>();
        for (var start = _length - size; start >= 0; start -= 1L << 32)
        {
            starts.Add(start);
        }

        if (starts.Count == 0)
        {
            return false;
        }

        var crcs = starts.ConvertAll(_ => new Crc32());
        var position = _file.Position;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            _file.Position = 0;
            using var gzip = new GZipStream(_file, CompressionMode.Decompress, leaveOpen: true);
            var offset = 0L;
            while (true)
            {
                var read = useAsync ? await gzip.ReadAsync(buffer, cancellationToken) : gzip.Read(buffer);
                if (read == 0)
                {
                    break;
                }

                for (var k = 0; k < starts.Count; k++)
                {
                    var from = (int)Math.Clamp(starts[k] - offset, 0, read);
                    crcs[k].Append(buffer.AsSpan(from, read - from));
                }

                offset += read;
            }

            return offset == _length && crcs.Exists(c => c.GetCurrentHashAsUInt32() == crc);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _file.Position = position;
        }
    }
}
