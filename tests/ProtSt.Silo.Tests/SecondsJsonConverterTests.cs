using System.Text.Json;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Tests;

/// <summary>Durations written as seconds read back to the same tick.</summary>
public sealed class SecondsJsonConverterTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new SecondsJsonConverter() } };

    [Theory]
    [InlineData(3_474_420L)] // 0.347442 s: truncating read it back as 3,474,419 ticks (a clean-clone CI failure)
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-12_345_678L)]
    [InlineData(864_000_000_000L)] // a day
    public void A_duration_survives_its_round_trip(long ticks)
    {
        var value = TimeSpan.FromTicks(ticks);
        Assert.Equal(value, JsonSerializer.Deserialize<TimeSpan>(JsonSerializer.Serialize(value, Json), Json));
    }

    [Fact]
    public void Random_durations_up_to_ten_hours_survive_its_round_trip()
    {
        var random = new Random(7);
        for (var i = 0; i < 100_000; i++)
        {
            var value = TimeSpan.FromTicks(random.NextInt64(0, 10 * TimeSpan.TicksPerHour));
            Assert.Equal(value, JsonSerializer.Deserialize<TimeSpan>(JsonSerializer.Serialize(value, Json), Json));
        }
    }
}
