namespace ProtSt.Model.Tests.Support;

/// <summary>Numeric comparisons that report where the largest difference is.</summary>
public static class Assertions
{
    public static double MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var diff = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(diff))
            {
                return double.PositiveInfinity;
            }

            max = Math.Max(max, diff);
        }

        return max;
    }

    public static void Close(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what)
    {
        var diff = MaxAbsDiff(actual, expected);
        Assert.True(diff <= tolerance, $"{what}: max |diff| {diff:G4} exceeds {tolerance:G4}");
    }
}
