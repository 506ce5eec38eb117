namespace ProtSt.Pipeline;

/// <summary>
/// A read-only stream that yields some already-read bytes before the rest of an inner stream. It does not own the
/// inner stream: disposing it leaves the inner stream open.
/// </summary>
/// <remarks>
/// The read that returns the prefix also fills the rest of the caller's buffer from the inner stream: a
/// <see cref="StreamReader"/> looks for a byte-order mark only in its first read, and a 3-byte UTF-8 mark behind a
/// 2-byte prefix would otherwise be decoded as text.
/// </remarks>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(Span<byte> buffer)
    {
        var n = TakePrefix(buffer);
        return n == buffer.Length || (n > 0 && _prefix.Length > 0) ? n : n + inner.Read(buffer[n..]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = TakePrefix(buffer.Span);
        return n == buffer.Length || (n > 0 && _prefix.Length > 0) ? n : n + await inner.ReadAsync(buffer[n..], cancellationToken);
    }

    private int TakePrefix(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }
}
