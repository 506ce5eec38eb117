using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace ProtSt.Model.Onnx;

/// <summary>Writes a model as <c>model.onnx</c>, moving weights to <c>model.onnx.data</c> when they would pass protobuf's 2 GB limit.</summary>
public static class OnnxModelWriter
{
    /// <summary>Weight bytes above which tensors go to an external data file; protobuf messages cannot exceed 2 GiB.</summary>
    public const long DefaultExternalDataThreshold = 1L << 30;

    // Tensors this small stay inline: externalizing them only adds seeks.
    private const int InlineTensorBytes = 1024;

    // ONNX Runtime memory-maps external data; page-aligned offsets let it map tensors in place.
    private const long Alignment = 4096;

    /// <param name="model">The graph; its external tensors are rewritten to point at the data file(s).</param>
    /// <param name="onnxPath">Where the graph goes; its external data goes beside it, <c>&lt;name&gt;.data</c>.</param>
    /// <param name="externalDataThreshold">Weight bytes above which tensors go to external data.</param>
    /// <param name="shared">
    /// Weights earlier graphs of the same folder wrote to external data: a tensor with the same name and bytes points
    /// there instead of being written again, and this graph's own external tensors are added for the next one. The
    /// graph's own data file then holds only what is new (and is not written when nothing is).
    /// </param>
    /// <returns>The graph's own external data file's name, or null when it wrote none.</returns>
    public static string? Write(ModelProto model, string onnxPath, long externalDataThreshold = DefaultExternalDataThreshold, SharedWeights? shared = null)
    {
        var totalBytes = model.Graph.Initializer.Sum(t => (long)t.RawData.Length);
        string? dataName = null;
        if (totalBytes > externalDataThreshold)
        {
            dataName = Path.GetFileName(onnxPath) + ".data";
            var dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, dataName);
            if (!WriteExternal(model, dataPath, dataName, shared))
            {
                File.Delete(dataPath);
                dataName = null;
            }
        }

        using var stream = File.Create(onnxPath);
        model.WriteTo(stream);
        return dataName;
    }

    /// <returns>True when anything was written to <paramref name="dataPath"/>.</returns>
    private static bool WriteExternal(ModelProto model, string dataPath, string dataName, SharedWeights? shared)
    {
        var written = false;
        using var data = File.Create(dataPath);
        foreach (var tensor in model.Graph.Initializer)
        {
            if (tensor.RawData.Length < InlineTensorBytes)
            {
                continue;
            }

            var key = string.Empty;
            var (location, offset) = shared?.Find(tensor.RawData, out key) is { } existing ? (existing.Location, existing.Offset) : (dataName, -1L);
            if (offset < 0)
            {
                var padding = (Alignment - (data.Position % Alignment)) % Alignment;
                data.Write(new byte[padding]);
                offset = data.Position;
                tensor.RawData.WriteTo(data);
                shared?.Add(key, new SharedWeights.Entry(location, offset));
                written = true;
            }

            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(CultureInfo.InvariantCulture) });
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.RawData = ByteString.Empty;
        }

        return written;
    }
}
