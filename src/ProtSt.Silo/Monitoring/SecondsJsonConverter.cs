using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProtSt.Silo.Monitoring;

/// <summary>Durations in the JSON API as seconds (a number), which scripts and the job view can use as they are.</summary>
public sealed class SecondsJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromSeconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.TotalSeconds);
}
