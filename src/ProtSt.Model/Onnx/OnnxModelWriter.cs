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

    /// <returns>The external data file's name, or null when every weight stayed inside model.onnx.</returns>
    public static string? Write(ModelProto model, string onnxPath, long externalDataThreshold = DefaultExternalDataThreshold)
    {
        var totalBytes = model.Graph.Initializer.Sum(t => (long)t.RawData.Length);
        string? dataName = null;
        if (totalBytes > externalDataThreshold)
        {
            dataName = Path.GetFileName(onnxPath) + ".data";
            WriteExternal(model, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, dataName), dataName);
        }

        using var stream = File.Create(onnxPath);
        model.WriteTo(stream);
        return dataName;
    }

    private static void WriteExternal(ModelProto model, string dataPath, string dataName)
    {
        using var data = File.Create(dataPath);
        foreach (var tensor in model.Graph.Initializer)
        {
            if (tensor.RawData.Length < InlineTensorBytes)
            {
                continue;
            }

            var padding = (Alignment - (data.Position % Alignment)) % Alignment;
            data.Write(new byte[padding]);
            var offset = data.Position;
            tensor.RawData.WriteTo(data);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(CultureInfo.InvariantCulture) });
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.RawData = ByteString.Empty;
        }
    }
}
