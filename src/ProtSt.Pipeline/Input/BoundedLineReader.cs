using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Reads text lines (LF, CRLF or CR) keeping at most a fixed number of characters of each: the rest of a longer line
/// is read and dropped, so one endless line costs the bound, not its length. Leaves the inner reader open.
/// </summary>
internal sealed class BoundedLineReader(TextReader inner, int maxChars)
{
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;
    private bool _pendingLf;

    /// <summary>The next line without its ending and whether characters past the bound were dropped, or null at the end.</summary>
    public async ValueTask<(string Text, bool Truncated)?> ReadLineAsync(CancellationToken cancellationToken)
    {
        _line.Clear();
        var truncated = false;
        var any = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await inner.ReadAsync(_buffer.AsMemory(), cancellationToken);
                if (_end == 0)
                {
                    return any ? (_line.ToString(), truncated) : null;
                }
            }

            if (_pendingLf)
            {
                // The LF of a CRLF whose CR ended the previous line.
                _pendingLf = false;
                if (_buffer[_start] == '\n')
                {
                    _start++;
                    continue;
                }
            }

            any = true;
            var span = _buffer.AsSpan(_start, _end - _start);
            var stop = span.IndexOfAny('\r', '\n');
            var piece = stop < 0 ? span : span[..stop];
            var room = maxChars - _line.Length;
            if (piece.Length > room)
            {
                truncated = true;
                piece = piece[..room];
            }

            _line.Append(piece);
            if (stop < 0)
            {
                _start = _end;
                continue;
            }

            _pendingLf = span[stop] == '\r';
            _start += stop + 1;
            return (_line.ToString(), truncated);
        }
    }
}
