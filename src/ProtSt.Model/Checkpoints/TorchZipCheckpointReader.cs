using System.IO.Compression;

namespace ProtSt.Model.Checkpoints;

/// <summary>
/// Reads <c>pytorch_model.bin</c> in torch's zip format: the pickle is interpreted by <see cref="RestrictedUnpickler"/>
/// (nothing executes) and each tensor's bytes are read from its storage entry only when asked for.
/// </summary>
public static class TorchZipCheckpointReader
{
    public static Checkpoint Read(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var name = Path.GetFileName(path);
        string prefix;
        byte[] pickle;
        HashSet<string> storages;
        try
        {
            using var archive = ZipFile.OpenRead(fullPath);
            var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
            if (pickles.Count != 1)
            {
                throw new CheckpointFormatException($"{name}: expected one data.pkl in the archive, found {pickles.Count}; not a torch.save checkpoint.");
            }

            prefix = pickles[0].FullName[..^"data.pkl".Length];
            if (archive.GetEntry(prefix + "byteorder") is { } byteOrder && ReadAll(byteOrder) is var order && System.Text.Encoding.ASCII.GetString(order).Trim() != "little")
            {
                throw new CheckpointFormatException($"{name}: big-endian checkpoints are not supported.");
            }

            pickle = ReadAll(pickles[0]);
            storages = archive.Entries.Select(e => e.FullName).Where(n => n.StartsWith(prefix + "data/", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(
                $"{name}: not a torch zip checkpoint ({e.Message}). Legacy (pre-1.6) torch files are not read: re-save it with a recent torch or convert it to safetensors.", e);
        }

        var root = new RestrictedUnpickler(pickle, name).Load();
        if (root is not RestrictedUnpickler.PickleDict dict)
        {
            throw new CheckpointFormatException($"{name}: the pickle holds {root?.GetType().Name ?? "None"}, not a state dict.");
        }

        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var (key, value) in dict)
        {
            if (key is not string tensorName)
            {
                throw new CheckpointFormatException($"{name}: a state-dict key is not a string.");
            }

            if (value is not RestrictedUnpickler.TensorReference tensor)
            {
                throw new CheckpointFormatException($"{name}: '{tensorName}' holds {value?.GetType().Name ?? "None"}, not a tensor.");
            }

            var entry = prefix + "data/" + tensor.Storage.Key;
            if (!storages.Contains(entry))
            {
                throw new CheckpointFormatException($"{name}: tensor '{tensorName}' refers to storage '{tensor.Storage.Key}', which the archive does not contain.");
            }

            CheckExtent(name, tensorName, tensor);
            tensors[tensorName] = new CheckpointTensor(tensorName, tensor.Storage.DType, tensor.Shape, () => ReadTensor(fullPath, name, entry, tensorName, tensor));
        }

        return new Checkpoint(tensors, [fullPath]);
    }

    private static void CheckExtent(string file, string tensorName, RestrictedUnpickler.TensorReference tensor)
    {
        if (tensor.Shape.Any(d => d == 0))
        {
            return;
        }

        var last = tensor.Offset + tensor.Shape.Zip(tensor.Stride, (d, s) => (d - 1) * s).Sum();
        if (last >= tensor.Storage.ElementCount)
        {
            throw new CheckpointFormatException(
                $"{file}: tensor '{tensorName}' reaches element {last} of a storage with {tensor.Storage.ElementCount} elements.");
        }
    }

    private static byte[] ReadTensor(string path, string file, string entryName, string tensorName, RestrictedUnpickler.TensorReference tensor)
    {
        byte[] storage;
        using (var archive = ZipFile.OpenRead(path))
        {
            storage = ReadAll(archive.GetEntry(entryName)!);
        }

        var size = tensor.Storage.DType.ElementSize();
        if (storage.LongLength < tensor.Storage.ElementCount * size)
        {
            throw new CheckpointFormatException(
                $"{file}: storage for '{tensorName}' has {storage.LongLength} bytes, fewer than its {tensor.Storage.ElementCount} elements need.");
        }

        var count = tensor.Shape.Aggregate(1L, (a, b) => a * b);
        var result = new byte[count * size];
        if (IsContiguous(tensor))
        {
            Array.Copy(storage, tensor.Offset * size, result, 0, result.LongLength);
            return result;
        }

        // A strided view (e.g. a saved transpose): gather element by element in row-major order.
        var index = new long[tensor.Shape.Length];
        for (long i = 0; i < count; i++)
        {
            var source = tensor.Offset;
            for (var d = 0; d < index.Length; d++)
            {
                source += index[d] * tensor.Stride[d];
            }

            Array.Copy(storage, source * size, result, i * size, size);
            for (var d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < tensor.Shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return result;
    }

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

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream(checked((int)entry.Length));
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
