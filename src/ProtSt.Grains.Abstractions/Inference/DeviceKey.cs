using System.Globalization;

namespace ProtSt.Grains;

/// <summary>Device grain keys: <c>{silo address}#{device index}</c>, so the key alone says where the device lives.</summary>
public static class DeviceKey
{
    public static string Create(string siloAddress, int index) => string.Create(CultureInfo.InvariantCulture, $"{siloAddress}#{index}");

    public static (string SiloAddress, int Index) Parse(string key)
    {
        var hash = key.LastIndexOf('#');
        if (hash <= 0 || !int.TryParse(key.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new ArgumentException($"'{key}' is not a device key (expected '<silo>#<index>').", nameof(key));
        }

        return (key[..hash], index);
    }
}
