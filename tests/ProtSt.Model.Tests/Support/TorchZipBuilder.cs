using System.IO.Compression;
using System.Text;

namespace ProtSt.Model.Tests.Support;

/// <summary>Hand-assembles pickle opcodes and torch zip archives, so the reader is tested on exactly the bytes we mean.</summary>
public sealed class TorchZipBuilder
{
    private readonly MemoryStream _pickle = new();
    private readonly Dictionary<string, byte[]> _storages = [];

    public TorchZipBuilder Op(params byte[] bytes)
    {
        _pickle.Write(bytes);
        return this;
    }

    public TorchZipBuilder Proto() => Op(0x80, 2);

    public TorchZipBuilder Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public TorchZipBuilder String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return Op((byte)'X').Op(BitConverter.GetBytes(bytes.Length)).Op(bytes);
    }

    public TorchZipBuilder Int(int value) => Op((byte)'J').Op(BitConverter.GetBytes(value));

    public TorchZipBuilder Tuple(params int[] values)
    {
        Op((byte)'(');
        foreach (var value in values)
        {
            Int(value);
        }

        return Op((byte)'t');
    }

    /// <summary>Pushes what torch.save writes for one tensor: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).</summary>
    public TorchZipBuilder Tensor(string storageType, string key, int numel, int offset, int[] shape, int[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Op((byte)'(');
        Op((byte)'(').String("storage").Global("torch", storageType).String(key).String("cpu").Int(numel).Op((byte)'t', (byte)'Q');
        Int(offset).Tuple(shape).Tuple(stride).Op(0x89);
        Global("collections", "OrderedDict").Op((byte)')', (byte)'R');
        return Op((byte)'t', (byte)'R');
    }

    public TorchZipBuilder Storage(string key, byte[] bytes)
    {
        _storages[key] = bytes;
        return this;
    }

    public void Write(string path, bool truncatePickle = false)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var pickle = _pickle.ToArray();
        Add(zip, "archive/data.pkl", truncatePickle ? pickle[..^3] : pickle);
        Add(zip, "archive/byteorder", Encoding.ASCII.GetBytes("little"));
        foreach (var (key, bytes) in _storages)
        {
            Add(zip, $"archive/data/{key}", bytes);
        }
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }
}
