namespace ProtSt.Pipeline;

/// <summary>
/// Passes CSV/TSV text through, record by record, and replaces a record longer than a bound by its line breaks
/// alone, so the parser behind it never buffers more than the bound and line numbers stay true. Records are split as
/// RFC 4180 does (a line break inside double quotes belongs to the field), which is how the parser splits them.
/// </summary>
/// <remarks>
/// A replaced record reaches the parser as blank lines; <see cref="TakeCut"/> tells the reader which blank line
/// starts one, so it can report that record with its line. Line numbers count LF (a CRLF is one break).
/// </remarks>
internal sealed class RecordLimitingReader(TextReader inner, int maxChars) : TextReader
{
    private readonly char[] _in = new char[1 << 16];
    private readonly System.Text.StringBuilder _record = new();
    private readonly Queue<long> _cuts = new();
    private char[] _out = new char[1 << 16];
    private int _outStart;
    private int _outEnd;
    private bool _quoted;
    private bool _cutting;
    private bool _ended;
    private long _line = 1;
    private long _recordLine = 1;

    /// <summary>True when the blank row starting at <paramref name="line"/> stands for a record that was too long.</summary>
    public bool TakeCut(long line)
    {
        while (_cuts.TryPeek(out var cut) && cut < line)
        {
            _cuts.Dequeue();
        }

        return _cuts.TryPeek(out var next) && next == line && _cuts.Dequeue() == line;
    }

    public override int Read(Span<char> buffer)
    {
        while (_outStart == _outEnd && !_ended)
        {
            Accept(inner.Read(_in));
        }

        return Drain(buffer);
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        while (_outStart == _outEnd && !_ended)
        {
            Accept(await inner.ReadAsync(_in.AsMemory(), cancellationToken));
        }

        return Drain(buffer.Span);
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override int Peek() => throw new NotSupportedException();

    private int Drain(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, n).CopyTo(buffer);
        _outStart += n;
        return n;
    }

    private void Accept(int read)
    {
        if (read == 0)
        {
            _ended = true;
            if (_cutting)
            {
                // A cut record at the end of the file still needs its blank row to be reported.
                Emit('\n');
            }
            else
            {
                Flush();
            }

            return;
        }

        // Whole runs up to the next quote or LF at a time: only those two characters change the state.
        var rest = _in.AsSpan(0, read);
        while (rest.Length > 0)
        {
            var stop = rest.IndexOfAny('"', '\n');
            var piece = stop < 0 ? rest : rest[..(stop + 1)];
            rest = rest[piece.Length..];
            if (_cutting)
            {
                EmitLineBreaks(piece);
            }
            else
            {
                _record.Append(piece);
                if (_record.Length > maxChars)
                {
                    _cuts.Enqueue(_recordLine);
                    _cutting = true;
                    foreach (var chunk in _record.GetChunks())
                    {
                        EmitLineBreaks(chunk.Span);
                    }

                    _record.Clear();
                }
            }

            if (stop < 0)
            {
                continue;
            }

            if (piece[^1] == '"')
            {
                _quoted = !_quoted;
                continue;
            }

            _line++;
            if (!_quoted)
            {
                Flush();
                _cutting = false;
                _recordLine = _line;
            }
        }
    }

    private void EmitLineBreaks(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is '\r' or '\n')
            {
                Emit(c);
            }
        }
    }

    private void Flush()
    {
        foreach (var chunk in _record.GetChunks())
        {
            Emit(chunk.Span);
        }

        _record.Clear();
    }

    private void Emit(char c) => Emit([c]);

    private void Emit(ReadOnlySpan<char> chars)
    {
        if (_outStart == _outEnd)
        {
            _outStart = _outEnd = 0;
        }

        if (_outEnd + chars.Length > _out.Length)
        {
            var live = _outEnd - _outStart;
            var target = live + chars.Length > _out.Length ? new char[Math.Max(_out.Length * 2, live + chars.Length)] : _out;
            _out.AsSpan(_outStart, live).CopyTo(target);
            (_out, _outStart, _outEnd) = (target, 0, live);
        }

        chars.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += chars.Length;
    }
}
