namespace ProtSt.Training;

/// <summary>A head's predictions and metrics on one labelled split.</summary>
/// <param name="Count">Rows evaluated.</param>
/// <param name="Accuracy">Fraction of rows whose prediction is their label.</param>
/// <param name="Mcc">Matthews correlation (multi-class form for more than two classes).</param>
/// <param name="MacroF1">Unweighted mean of per-class F1.</param>
/// <param name="Predictions">Arg-max class per row.</param>
/// <param name="Probabilities">Softmax over the classes, row-major <paramref name="Count"/> × classes, to compare with served predictions.</param>
public sealed record SplitEvaluation(int Count, double Accuracy, double Mcc, double MacroF1, int[] Predictions, float[] Probabilities);
