namespace ProtSt.Pipeline.Tests;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void Binary_metrics_match_hand_computation()
    {
        // TP=3 (1→1), FN=1 (1→0), FP=2 (0→1), TN=4 (0→0).
        var matrix = new ConfusionMatrix(2);
        (int, int)[] pairs = [(1, 1), (1, 1), (1, 1), (1, 0), (0, 1), (0, 1), (0, 0), (0, 0), (0, 0), (0, 0)];
        foreach (var (a, p) in pairs)
        {
            matrix.Add(a, p);
        }

        Assert.Equal(0.7, matrix.Accuracy, 12);
        var mcc = ((3.0 * 4) - (2.0 * 1)) / Math.Sqrt(5.0 * 4 * 6 * 5);
        Assert.Equal(mcc, matrix.Mcc, 12);
        var f1Positive = 2 * 3.0 / ((2 * 3.0) + 2 + 1);
        var f1Negative = 2 * 4.0 / ((2 * 4.0) + 1 + 2);
        Assert.Equal((f1Positive + f1Negative) / 2, matrix.MacroF1, 12);
        Assert.Equal([[4L, 2], [1, 3]], matrix.ToRows());
    }

    [Fact]
    public void Multiclass_mcc_and_macro_f1_follow_their_definitions()
    {
        var matrix = new ConfusionMatrix(3);
        (int, int)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (1, 2), (2, 2), (2, 0), (2, 2), (2, 2)];
        foreach (var (a, p) in pairs)
        {
            matrix.Add(a, p);
        }

        Assert.Equal(0.7, matrix.Accuracy, 12);

        // Gorodkin: (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), c = 7, s = 10, p = (3, 3, 4), t = (3, 3, 4).
        Assert.Equal(((7.0 * 10) - 34) / (100 - 34.0), matrix.Mcc, 12);
        var f1 = new[] { 2 * (2 / 3.0) * (2 / 3.0) / (4 / 3.0), 2 * (2 / 3.0) * (2 / 3.0) / (4 / 3.0), 2 * 0.75 * 0.75 / 1.5 };
        Assert.Equal(f1.Average(), matrix.MacroF1, 12);
    }

    [Fact]
    public void Out_of_range_classes_are_refused_and_empty_is_zero()
    {
        var matrix = new ConfusionMatrix(2);
        Assert.Equal(0, matrix.Accuracy);
        Assert.Equal(0, matrix.Mcc);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(0, -1));
    }
}
