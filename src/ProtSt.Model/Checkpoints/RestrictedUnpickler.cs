using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ProtSt.Model.Checkpoints;

/// <summary>
/// Interprets the pickle opcode stream of a <c>torch.save</c> state dict without executing anything: no Python
/// callable is ever invoked. It knows the handful of globals torch writes for tensors and refuses every other one.
/// </summary>
internal sealed class RestrictedUnpickler
{
    // Bounds that no real state dict approaches but that stop a hostile file from exhausting memory.
    private const int MaxStackDepth = 1 << 20;
    private const int MaxMemoEntries = 1 << 22;

    private static readonly Dictionary<string, TensorDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = TensorDType.Float32,
        ["torch.HalfStorage"] = TensorDType.Float16,
        ["torch.BFloat16Storage"] = TensorDType.BFloat16,
        ["torch.DoubleStorage"] = TensorDType.Float64,
        ["torch.LongStorage"] = TensorDType.Int64,
        ["torch.IntStorage"] = TensorDType.Int32,
        ["torch.ShortStorage"] = TensorDType.Int16,
        ["torch.CharStorage"] = TensorDType.Int8,
        ["torch.ByteStorage"] = TensorDType.UInt8,
        ["torch.BoolStorage"] = TensorDType.Bool,
    };

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
    };

    private readonly byte[] _data;
    private readonly string _source;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    public RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>A <c>module.name</c> global that passed the allow-list.</summary>
    public sealed record Global(string Name);

    /// <summary>A persistent reference to one storage file of the archive.</summary>
    public sealed record StorageReference(TensorDType DType, string Key, long ElementCount);

    /// <summary>What <c>_rebuild_tensor_v2</c> would build: a strided view into a storage.</summary>
    public sealed record TensorReference(StorageReference Storage, long Offset, long[] Shape, long[] Stride);

    /// <summary>An ordered mapping (dict or OrderedDict).</summary>
    public sealed class PickleDict : List<KeyValuePair<object?, object?>>;

    public object? Load()
    {
        while (true)
        {
            if (_position >= _data.Length)
            {
                throw Error("the pickle ends without a STOP opcode (truncated file)");
            }

            var offset = _position;
            var opcode = _data[_position++];
            switch (opcode)
            {
                case 0x80: ReadBytes(1); break; // PROTO
                case 0x95: ReadBytes(8); break; // FRAME: framing is a hint for streaming readers
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': _marks.Add(_stack.Count); break; // MARK
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'q': Memoize(ReadBytes(1)[0]); break; // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadBytes(1)[0])); break; // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case (byte)'K': Push((long)ReadBytes(1)[0]); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case 0x8A: Push(ReadLong(ReadBytes(1)[0])); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'X': Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // BINUNICODE
                case 0x8C: Push(ReadString(ReadBytes(1)[0])); break; // SHORT_BINUNICODE
                case 0x8D: Push(ReadString(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)))); break; // BINUNICODE8
                case (byte)'C': Push(ReadBytes(ReadBytes(1)[0])); break; // SHORT_BINBYTES
                case (byte)'B': Push(ReadBytes(Length(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break; // BINBYTES
                case (byte)'0': Pop(); break; // POP
                case (byte)'s': { var value = Pop(); var key = Pop(); AsDict(Peek()).Add(new(key, value)); break; } // SETITEM
                case (byte)'u': SetItems(); break; // SETITEMS
                case (byte)'a': { var value = Pop(); AsList(Peek()).Add(value); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'c': Push(Resolve(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Resolve(AsString(module), AsString(name))); break; } // STACK_GLOBAL
                case (byte)'R': Reduce(); break; // REDUCE
                case (byte)'b': Build(); break; // BUILD
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                default:
                    throw Error($"opcode 0x{opcode:X2} at byte {offset} is not one torch.save writes for a state dict; refusing to interpret it");
            }
        }
    }

    private Global Resolve(string module, string name)
    {
        var full = $"{module}.{name}";
        if (!Callables.Contains(full) && !StorageTypes.ContainsKey(full))
        {
            throw new CheckpointFormatException(
                $"{_source}: refuses to load global '{full}': only torch state dicts (tensors in an ordered dict) are allowed; nothing was executed.");
        }

        return new Global(full);
    }

    private void Reduce()
    {
        var args = AsTuple(Pop());
        var callable = Pop();
        if (callable is not Global global || !Callables.Contains(global.Name))
        {
            throw Error($"REDUCE on {Describe(callable)} is not allowed; only OrderedDict and tensor rebuilds are");
        }

        Push(global.Name switch
        {
            "collections.OrderedDict" when args.Length == 0 => new PickleDict(),
            "torch._utils._rebuild_tensor_v2" when args.Length is >= 4 and <= 7 => RebuildTensor(args),
            "torch._utils._rebuild_parameter" when args.Length is >= 1 and <= 3 && args[0] is TensorReference tensor => tensor,
            _ => throw Error($"{global.Name} called with unexpected arguments ({args.Length})"),
        });
    }

    private TensorReference RebuildTensor(object?[] args)
    {
        if (args[0] is not StorageReference storage)
        {
            throw Error($"_rebuild_tensor_v2 expects a storage, got {Describe(args[0])}");
        }

        var offset = AsLong(args[1]);
        var shape = AsTuple(args[2]).Select(AsLong).ToArray();
        var stride = AsTuple(args[3]).Select(AsLong).ToArray();
        if (shape.Length != stride.Length || offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0))
        {
            throw Error($"tensor view (offset {offset}, shape [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]) is invalid");
        }

        return new TensorReference(storage, offset, shape, stride);
    }

    private void Build()
    {
        var state = Pop();

        // torch records the module hierarchy as OrderedDict._metadata via BUILD; it has no bearing on the tensors.
        if (Peek() is not PickleDict)
        {
            throw Error($"BUILD on {Describe(Peek())} is not allowed (state {Describe(state)})");
        }
    }

    private StorageReference PersistentLoad(object? id)
    {
        var tuple = AsTuple(id);
        if (tuple.Length != 5 || tuple[0] is not "storage" || tuple[1] is not Global type || !StorageTypes.TryGetValue(type.Name, out var dtype))
        {
            throw Error($"persistent id {Describe(id)} is not a torch storage reference");
        }

        var key = tuple[2] switch
        {
            string s => s,
            long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            var other => throw Error($"storage key {Describe(other)} is invalid"),
        };
        if (key.Length == 0 || key.Contains('/', StringComparison.Ordinal) || key.Contains("..", StringComparison.Ordinal))
        {
            throw Error($"storage key '{key}' is not a plain name");
        }

        return new StorageReference(dtype, key, AsLong(tuple[4]));
    }

    private void SetItems()
    {
        var items = PopMark();
        if (items.Count % 2 != 0)
        {
            throw Error("SETITEMS with an odd number of items");
        }

        var dict = AsDict(Peek());
        for (var i = 0; i < items.Count; i += 2)
        {
            dict.Add(new(items[i], items[i + 1]));
        }
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStackDepth)
        {
            throw Error("the pickle stack grows without bound");
        }

        _stack.Add(value);
    }

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count == _marks[^1]))
        {
            throw Error("stack underflow; the pickle is malformed");
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Error("stack underflow; the pickle is malformed");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Error("an opcode needs a MARK that is not there");
        }

        var mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private void Memoize(long index)
    {
        if (_memo.Count >= MaxMemoEntries && !_memo.ContainsKey(index))
        {
            throw Error("the memo grows without bound");
        }

        _memo[index] = Peek();
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error($"memo entry {index} is read before it is written");

    private byte[] ReadBytes(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Error($"needs {count} more bytes at byte {_position} but the pickle has {_data.Length - _position} left (truncated file)");
        }

        var bytes = _data.AsSpan(_position, count).ToArray();
        _position += count;
        return bytes;
    }

    private int Length(ulong length) => length <= (ulong)(_data.Length - _position)
        ? (int)length
        : throw Error($"a {length}-byte value at byte {_position} runs past the end of the pickle (truncated file)");

    private string ReadString(ulong length) => Encoding.UTF8.GetString(ReadBytes(Length(length)));

    private string ReadLine()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0 || end - _position > 256)
        {
            throw Error($"GLOBAL at byte {_position} has no reasonable name");
        }

        var text = Encoding.UTF8.GetString(_data, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private long ReadLong(int length)
    {
        var bytes = ReadBytes(length);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw Error("an integer does not fit in 64 bits");
    }

    private object?[] AsTuple(object? value) => value as object?[] ?? throw Error($"expected a tuple, got {Describe(value)}");

    private PickleDict AsDict(object? value) => value as PickleDict ?? throw Error($"expected a dict, got {Describe(value)}");

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Error($"expected a list, got {Describe(value)}");

    private string AsString(object? value) => value as string ?? throw Error($"expected a string, got {Describe(value)}");

    private long AsLong(object? value) => value is long n ? n : throw Error($"expected an integer, got {Describe(value)}");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        Global g => $"global '{g.Name}'",
        string s => $"'{s}'",
        object?[] t => $"a {t.Length}-tuple",
        _ => value.GetType().Name,
    };

    private CheckpointFormatException Error(string message) => new($"{_source}: {message}.");
}
