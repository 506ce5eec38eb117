using System.IO.Compression;
using System.Text;

namespace ProtSt.Model.Checkpoints;

/// <summary>
/// Reads <c>pytorch_model.bin</c> in torch's zip format: the pickle is interpreted by <see cref="RestrictedUnpickler"/>
/// (nothing executes) and each tensor's bytes are read from its storage entry only when asked for.
/// </summary>
public static class TorchZipCheckpointReader
{
    // A state dict's pickle is a few bytes per tensor; anything this large is not one and would only cost memory.
    private const long MaxPickleBytes = 256L * 1024 * 1024;
    private const int SkipBufferBytes = 1 << 16;

    // torch.save's legacy (pre-1.6) format starts by pickling this magic number with protocol 2.
    private static ReadOnlySpan<byte> LegacyMagic => [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19];

    public static Checkpoint Read(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var file = Path.GetFileName(fullPath);

        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(fullPath);
        }
        catch (InvalidDataException e)
        {
            throw NotATorchZip(fullPath, file, e);
        }

        string storagePrefix;
        byte[] pickle;
        Dictionary<string, long> storageLengths;
        using (archive)
        {
            try
            {
                (storagePrefix, pickle, storageLengths) = ReadArchiveIndex(archive, file);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw new CheckpointFormatException($"{file}: the zip archive is truncated or corrupt ({e.Message}).", e);
            }
        }

        var root = new RestrictedUnpickler(pickle, file).Load();
        if (root is not RestrictedUnpickler.PickleDict dict)
        {
            throw new CheckpointFormatException(
                $"{file}: the pickle holds {RestrictedUnpickler.Describe(root)}, not a state dict (a dict of tensors).");
        }

        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var (key, value) in dict)
        {
            if (key is not string name)
            {
                throw new CheckpointFormatException($"{file}: state-dict key {RestrictedUnpickler.Describe(key)} is not a string.");
            }

            if (value is not RestrictedUnpickler.TensorReference tensor)
            {
                var hint = value is RestrictedUnpickler.PickleDict ? " (a training checkpoint? save model.state_dict() instead)" : string.Empty;
                throw new CheckpointFormatException($"{file}: '{name}' holds {RestrictedUnpickler.Describe(value)}, not a tensor{hint}.");
            }

            var entryName = storagePrefix + tensor.Storage.Key;
            if (!storageLengths.TryGetValue(entryName, out var entryLength))
            {
                throw new CheckpointFormatException(
                    $"{file}: tensor '{name}' refers to storage '{tensor.Storage.Key}', which the archive does not contain (no entry '{entryName}').");
            }

            CheckExtent(file, name, tensor, entryLength);
            tensors[name] = new CheckpointTensor(name, tensor.Storage.DType, tensor.Shape, () => ReadTensor(fullPath, file, entryName, name, tensor));
        }

        return new Checkpoint(tensors, [fullPath]);
    }

    private static (string StoragePrefix, byte[] Pickle, Dictionary<string, long> StorageLengths) ReadArchiveIndex(ZipArchive archive, string file)
    {
        var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
        if (pickles.Count != 1)
        {
            throw new CheckpointFormatException(
                $"{file}: expected exactly one data.pkl in the zip archive, found {pickles.Count}; not a torch zip checkpoint.");
        }

        var pickleEntry = pickles[0];
        var prefix = pickleEntry.FullName[..^"data.pkl".Length];
        if (archive.GetEntry(prefix + "byteorder") is { } byteOrderEntry)
        {
            var byteOrder = byteOrderEntry.Length <= 16 ? Encoding.ASCII.GetString(ReadEntry(byteOrderEntry)).Trim() : "(too long)";
            if (byteOrder != "little")
            {
                throw new CheckpointFormatException($"{file}: byteorder is '{byteOrder}'; only little-endian checkpoints are supported.");
            }
        }

        if (pickleEntry.Length > MaxPickleBytes)
        {
            throw new CheckpointFormatException(
                $"{file}: data.pkl is {pickleEntry.Length} bytes, over the {MaxPickleBytes} a state dict's pickle could need.");
        }

        var storagePrefix = prefix + "data/";
        var storageLengths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.StartsWith(storagePrefix, StringComparison.Ordinal))
            {
                storageLengths.TryAdd(entry.FullName, entry.Length);
            }
        }

        return (storagePrefix, ReadEntry(pickleEntry), storageLengths);
    }

    private static CheckpointFormatException NotATorchZip(string fullPath, string file, InvalidDataException cause)
    {
        Span<byte> head = stackalloc byte[LegacyMagic.Length];
        int read;
        using (var stream = File.OpenRead(fullPath))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var reason = head[..read].SequenceEqual(LegacyMagic) ? "it is in torch's legacy pre-1.6 serialization format" : cause.Message;
        return new CheckpointFormatException(
            $"{file}: not a torch zip checkpoint ({reason}). Re-save it with a recent torch (torch.save writes the zip format since 1.6) or convert it to safetensors.",
            cause);
    }

    private static void CheckExtent(string file, string name, RestrictedUnpickler.TensorReference tensor, long entryLength)
    {
        var elementSize = tensor.Storage.DType.ElementSize();
        long count;
        long last;
        long bytesNeeded;
        long bytesMaterialised;
        try
        {
            count = tensor.ElementCount;
            last = LastElement(tensor);
            bytesNeeded = checked((last + 1) * elementSize);
            bytesMaterialised = checked(count * elementSize);
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{name}' (offset {tensor.Offset}, shape [{string.Join(", ", tensor.Shape)}], stride [{string.Join(", ", tensor.Stride)}]) has an extent that overflows 64 bits.");
        }

        if (count == 0)
        {
            return;
        }

        if (last >= tensor.Storage.ElementCount)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{name}' reaches element {last} of a storage with {tensor.Storage.ElementCount} elements.");
        }

        if (bytesNeeded > entryLength)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{name}' needs {bytesNeeded} bytes of storage '{tensor.Storage.Key}' but its entry holds {entryLength}; the archive is truncated or corrupt.");
        }

        // Strides of 0 or overlapping strides let a view repeat elements: a few saved bytes could then claim gigabytes
        // once materialised. A view may repeat (torch saves expanded buffers) but never be larger than the bytes its
        // storage entry holds, so no tensor costs more memory than the file gave it.
        if (bytesMaterialised > entryLength)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{name}' (shape [{string.Join(", ", tensor.Shape)}], stride [{string.Join(", ", tensor.Stride)}]) would be {bytesMaterialised} bytes, " +
                $"more than the {entryLength} bytes of its storage '{tensor.Storage.Key}'; a view that repeats elements past its storage's size is refused.");
        }
    }

    // Strides are never negative, so the view spans [offset, LastElement] of its storage.
    private static long LastElement(RestrictedUnpickler.TensorReference tensor)
    {
        var last = tensor.Offset;
        for (var d = 0; d < tensor.Shape.Length; d++)
        {
            last = checked(last + ((tensor.Shape[d] - 1) * tensor.Stride[d]));
        }

        return last;
    }

    private static byte[] ReadTensor(string path, string file, string entryName, string name, RestrictedUnpickler.TensorReference tensor)
    {
        var count = tensor.ElementCount;
        if (count == 0)
        {
            return [];
        }

        var elementSize = tensor.Storage.DType.ElementSize();
        var windowElements = LastElement(tensor) - tensor.Offset + 1;
        if (windowElements * elementSize > Array.MaxLength)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{name}' spans {windowElements * elementSize} bytes of its storage, more than one array can hold.");
        }

        var window = ReadEntryRange(path, file, entryName, name, tensor.Offset * elementSize, (int)(windowElements * elementSize));
        return IsContiguous(tensor) ? window : Gather(window, tensor, elementSize);
    }

    // Row-major contiguity; a dimension of size 1 may carry any stride (torch leaves them arbitrary).
    private static bool IsContiguous(RestrictedUnpickler.TensorReference tensor)
    {
        long expected = 1;
        for (var d = tensor.Shape.Length - 1; d >= 0; d--)
        {
            if (tensor.Shape[d] != 1 && tensor.Stride[d] != expected)
            {
                return false;
            }

            expected *= tensor.Shape[d];
        }

        return true;
    }

    // The window is exactly the tensor when it is contiguous; otherwise (a saved transpose, an expand) it holds every
    // element the view touches, and they are copied out in row-major order, a whole innermost row at a time when possible.
    private static byte[] Gather(byte[] window, RestrictedUnpickler.TensorReference tensor, int elementSize)
    {
        var shape = tensor.Shape;
        var stride = tensor.Stride;
        var innerIsRow = shape.Length > 0 && stride[^1] == 1;
        var outerRank = innerIsRow ? shape.Length - 1 : shape.Length;
        var runBytes = (innerIsRow ? (int)shape[^1] : 1) * elementSize;
        var result = new byte[tensor.ElementCount * elementSize];
        var index = new long[outerRank];
        for (var destination = 0; destination < result.Length; destination += runBytes)
        {
            long source = 0;
            for (var d = 0; d < outerRank; d++)
            {
                source += index[d] * stride[d];
            }

            window.AsSpan((int)(source * elementSize), runBytes).CopyTo(result.AsSpan(destination));
            for (var d = outerRank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return result;
    }

    // Opens the archive afresh on every read: nothing is shared between calls, so tensors can be read from any
    // thread, and only the bytes of this one view are held in memory.
    private static byte[] ReadEntryRange(string path, string file, string entryName, string name, long byteOffset, int byteCount)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var entry = archive.GetEntry(entryName)
                ?? throw new CheckpointFormatException($"{file}: storage entry '{entryName}' of tensor '{name}' has disappeared from the archive.");
            using var stream = entry.Open();
            Skip(stream, byteOffset);
            var bytes = GC.AllocateUninitializedArray<byte>(byteCount);
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new CheckpointFormatException($"{file}: cannot read tensor '{name}' from '{entryName}' ({e.Message}); the archive is truncated or corrupt.", e);
        }
    }

    private static void Skip(Stream stream, long count)
    {
        if (count == 0)
        {
            return;
        }

        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[(int)Math.Min(count, SkipBufferBytes)];
        while (count > 0)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (read == 0)
            {
                throw new EndOfStreamException($"the entry ends {count} bytes before the tensor starts");
            }

            count -= read;
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        var bytes = new byte[entry.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
