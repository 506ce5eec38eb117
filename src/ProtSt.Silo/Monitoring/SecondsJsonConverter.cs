using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProtSt.Silo.Monitoring;

/// <summary>Durations in the JSON API as seconds (a number), which scripts and the job view can use as they are.</summary>
public sealed class SecondsJsonConverter : JsonConverter<TimeSpan>
{
    // To the nearest tick: TimeSpan.FromSeconds truncates, and seconds written as a double often land a hair below
    // their tick (0.347442 s read back as 3,474,419 ticks), so a duration would not survive its own round trip.
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromTicks(checked((long)Math.Round(reader.GetDouble() * TimeSpan.TicksPerSecond)));

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.TotalSeconds);
}
