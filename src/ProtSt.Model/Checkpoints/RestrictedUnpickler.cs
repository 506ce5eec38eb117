using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ProtSt.Model.Checkpoints;

/// <summary>
/// Interprets the pickle opcode stream of a <c>torch.save</c> state dict without executing anything: no Python
/// callable is ever invoked. It knows the handful of globals torch writes for tensors and refuses every other one.
/// </summary>
internal sealed class RestrictedUnpickler
{
    // Bounds that no real state dict approaches (pickle batches SETITEMS by 1000, and torch memoizes about eight
    // objects per tensor) but that stop a hostile file from exhausting memory.
    private const int MaxStackDepth = 1 << 20;
    private const int MaxMarkDepth = 1 << 16;
    private const int MaxMemoEntries = 1 << 22;
    private const int MaxGlobalNameLength = 256;

    private const string OrderedDict = "collections.OrderedDict";
    private const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";

    // Keyed by the (module, name) pair exactly as written, so a dotted name cannot smuggle in another attribute path.
    private static readonly Dictionary<(string Module, string Name), TensorDType> StorageTypes = new()
    {
        [("torch", "FloatStorage")] = TensorDType.Float32,
        [("torch", "HalfStorage")] = TensorDType.Float16,
        [("torch", "BFloat16Storage")] = TensorDType.BFloat16,
        [("torch", "DoubleStorage")] = TensorDType.Float64,
        [("torch", "LongStorage")] = TensorDType.Int64,
        [("torch", "IntStorage")] = TensorDType.Int32,
        [("torch", "ShortStorage")] = TensorDType.Int16,
        [("torch", "CharStorage")] = TensorDType.Int8,
        [("torch", "ByteStorage")] = TensorDType.UInt8,
        [("torch", "BoolStorage")] = TensorDType.Bool,
    };

    private static readonly HashSet<(string Module, string Name)> Callables =
    [
        ("collections", "OrderedDict"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
    ];

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

    /// <summary>A <c>module.name</c> global that passed the allow-list; it is only ever compared, never called.</summary>
    public sealed record Global(string Name, TensorDType? StorageType);

    /// <summary>A persistent reference to one storage entry of the archive.</summary>
    public sealed record StorageReference(TensorDType DType, string Key, long ElementCount);

    /// <summary>What <c>_rebuild_tensor_v2</c> would build: a strided view into a storage.</summary>
    public sealed record TensorReference(StorageReference Storage, long Offset, long[] Shape, long[] Stride)
    {
        /// <summary>The number of elements; throws <see cref="OverflowException"/> for a shape no storage could hold.</summary>
        public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));
    }

    /// <summary>An ordered mapping (dict or OrderedDict), kept as written; a later duplicate key wins, as in Python.</summary>
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
                case 0x80: ReadByte(); break; // PROTO: every protocol's opcodes we know are handled below
                case 0x95: ReadSpan(8); break; // FRAME: framing is only a hint for streaming readers
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': PushMark(); break; // MARK
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'q': Memoize(ReadByte()); break; // BINPUT
                case (byte)'r': Memoize(ReadUInt32()); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(ReadUInt32())); break; // LONG_BINGET
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2))); break; // BININT2
                case 0x8A: Push(ReadLong(ReadByte())); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8))); break; // BINFLOAT
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'X': Push(ReadString(ReadUInt32())); break; // BINUNICODE
                case 0x8C: Push(ReadString(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8D: Push(ReadString(BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8)))); break; // BINUNICODE8
                case (byte)'C': Push(ReadSpan(ReadByte()).ToArray()); break; // SHORT_BINBYTES
                case (byte)'B': Push(ReadSpan(Length(ReadUInt32())).ToArray()); break; // BINBYTES
                case 0x8E: Push(ReadSpan(Length(BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8)))).ToArray()); break; // BINBYTES8
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'s': { var value = Pop(); var key = Pop(); AsDict(Peek()).Add(new(key, value)); break; } // SETITEM
                case (byte)'u': SetItems(); break; // SETITEMS
                case (byte)'a': { var value = Pop(); AsList(Peek()).Add(value); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'c': { var module = ReadLine(); var name = ReadLine(); Push(Resolve(module, name)); break; } // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Resolve(AsString(module), AsString(name))); break; } // STACK_GLOBAL
                case (byte)'R': Reduce(); break; // REDUCE
                case (byte)'b': Build(); break; // BUILD
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                default:
                    throw Error($"opcode 0x{opcode:X2} at byte {offset} is not one torch.save writes for a state dict; refusing to interpret it");
            }
        }
    }

    /// <summary>Names a pickled value for an error message without echoing arbitrary amounts of it.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long n => $"the integer {n.ToString(CultureInfo.InvariantCulture)}",
        double d => $"the float {d.ToString(CultureInfo.InvariantCulture)}",
        string s => $"the string '{(s.Length <= 64 ? s : s[..64] + "...")}'",
        byte[] bytes => $"{bytes.Length} bytes",
        Global g => $"global '{g.Name}'",
        object?[] t => $"a {t.Length}-tuple",
        PickleDict d => $"a dict of {d.Count} items",
        List<object?> l => $"a list of {l.Count} items",
        StorageReference s => $"storage '{s.Key}' (not wrapped in a tensor)",
        TensorReference => "a tensor",
        _ => value.GetType().Name,
    };

    private Global Resolve(string module, string name)
    {
        var full = $"{module}.{name}";
        if (StorageTypes.TryGetValue((module, name), out var dtype))
        {
            return new Global(full, dtype);
        }

        if (Callables.Contains((module, name)))
        {
            return new Global(full, null);
        }

        throw new CheckpointFormatException(
            $"{_source}: refuses to load global '{full}': only torch state dicts (tensors in an ordered dict) are allowed; nothing was executed.");
    }

    private void Reduce()
    {
        var argsValue = Pop();
        var callable = Pop();
        if (callable is not Global { StorageType: null } global)
        {
            throw Error($"REDUCE on {Describe(callable)} is not allowed; only OrderedDict and tensor rebuilds are, and nothing was executed");
        }

        var args = AsTuple(argsValue);
        Push(global.Name switch
        {
            OrderedDict when args.Length == 0 => new PickleDict(),
            RebuildTensorV2 when args.Length is 6 or 7 => RebuildTensor(args),

            // A Parameter is its tensor plus requires_grad and backward hooks, neither of which matters for inference.
            RebuildParameter when args.Length is >= 1 and <= 3 && args[0] is TensorReference tensor => tensor,
            _ => throw Error($"{global.Name} called with unexpected arguments ({string.Join(", ", args.Select(Describe))})"),
        });
    }

    private TensorReference RebuildTensor(object?[] args)
    {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]); the last three are
        // autograd and subclass bookkeeping, so only their shape is checked.
        if (args[0] is not StorageReference storage)
        {
            throw Error($"_rebuild_tensor_v2 expects a storage, got {Describe(args[0])}");
        }

        if (args[4] is not bool)
        {
            throw Error($"_rebuild_tensor_v2 expects requires_grad to be a bool, got {Describe(args[4])}");
        }

        var offset = AsLong(args[1]);
        var shape = AsTuple(args[2]).Select(AsLong).ToArray();
        var stride = AsTuple(args[3]).Select(AsLong).ToArray();
        if (shape.Length != stride.Length || offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0))
        {
            throw Error($"tensor view (offset {offset}, shape [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]) is invalid");
        }

        // Sizes are checked against the storage by the reader, which knows the tensor's name.
        return new TensorReference(storage, offset, shape, stride);
    }

    private void Build()
    {
        var state = Pop();

        // torch records the module hierarchy as OrderedDict._metadata via BUILD; it has no bearing on the tensors.
        if (Peek() is not PickleDict)
        {
            throw Error($"BUILD on {Describe(Peek())} is not allowed (state {Describe(state)}); only a dict's metadata may be set");
        }
    }

    private StorageReference PersistentLoad(object? id)
    {
        if (id is not object?[] tuple || tuple.Length != 5 || tuple[0] is not "storage" || tuple[1] is not Global { StorageType: { } dtype })
        {
            throw Error($"persistent id {Describe(id)} is not a torch storage reference ('storage', storage type, key, location, numel)");
        }

        var key = tuple[2] switch
        {
            string s => s,
            long n => n.ToString(CultureInfo.InvariantCulture),
            var other => throw Error($"storage key {Describe(other)} is invalid"),
        };

        // The key becomes part of a zip entry name: keep it to one plain path segment.
        if (key.Length == 0 || key.Length > MaxGlobalNameLength || key.Contains('/', StringComparison.Ordinal)
            || key.Contains('\\', StringComparison.Ordinal) || key is "." or "..")
        {
            throw Error($"storage key '{key}' is not a plain name");
        }

        if (tuple[3] is not string)
        {
            throw Error($"storage '{key}' has location {Describe(tuple[3])}, expected a device string");
        }

        var numel = AsLong(tuple[4]);
        if (numel < 0)
        {
            throw Error($"storage '{key}' claims {numel} elements");
        }

        return new StorageReference(dtype, key, numel);
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
            throw Error($"the pickle stack grows past {MaxStackDepth} entries; no state dict needs that many");
        }

        _stack.Add(value);
    }

    private void PushMark()
    {
        if (_marks.Count >= MaxMarkDepth)
        {
            throw Error($"MARKs nest deeper than {MaxMarkDepth}; no state dict needs that");
        }

        _marks.Add(_stack.Count);
    }

    private object? Pop()
    {
        // A MARK starts a new frame: popping below it is an underflow, as in CPython.
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count == _marks[^1]))
        {
            throw Error($"stack underflow at byte {_position - 1}; the pickle is malformed");
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek() =>
        _stack.Count > 0 && (_marks.Count == 0 || _stack.Count > _marks[^1])
            ? _stack[^1]
            : throw Error($"stack underflow at byte {_position - 1}; the pickle is malformed");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Error($"the opcode at byte {_position - 1} needs a MARK that is not there");
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
            throw Error($"the memo grows past {MaxMemoEntries} entries; no state dict needs that many");
        }

        _memo[index] = Peek();
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error($"memo entry {index} is read before it is written");

    private ReadOnlySpan<byte> ReadSpan(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Error($"needs {count} more bytes at byte {_position} but the pickle has {_data.Length - _position} left (truncated file)");
        }

        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private byte ReadByte() => ReadSpan(1)[0];

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4));

    // Checked before anything is allocated, so a forged length cannot ask for more memory than the file holds.
    private int Length(ulong length) => length <= (ulong)(_data.Length - _position)
        ? (int)length
        : throw Error($"a {length}-byte value at byte {_position} runs past the end of the pickle (truncated file)");

    private string ReadString(ulong length) => Encoding.UTF8.GetString(ReadSpan(Length(length)));

    private string ReadLine()
    {
        var limit = Math.Min(_data.Length - _position, MaxGlobalNameLength + 1);
        var end = Array.IndexOf(_data, (byte)'\n', _position, limit);
        if (end < 0)
        {
            throw Error($"GLOBAL name at byte {_position} has no newline within {MaxGlobalNameLength} bytes (truncated or malformed)");
        }

        var text = Encoding.UTF8.GetString(_data, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private long ReadLong(int length)
    {
        var value = new BigInteger(ReadSpan(length), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw Error("an integer does not fit in 64 bits");
    }

    private object?[] AsTuple(object? value) => value as object?[] ?? throw Error($"expected a tuple, got {Describe(value)}");

    private PickleDict AsDict(object? value) => value as PickleDict ?? throw Error($"expected a dict, got {Describe(value)}");

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Error($"expected a list, got {Describe(value)}");

    private string AsString(object? value) => value as string ?? throw Error($"expected a string, got {Describe(value)}");

    private long AsLong(object? value) => value is long n ? n : throw Error($"expected an integer, got {Describe(value)}");

    private CheckpointFormatException Error(string message) => new($"{_source}: {message}.");
}
