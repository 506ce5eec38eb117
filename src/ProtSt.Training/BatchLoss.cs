namespace ProtSt.Training;

/// <summary>Mean cross-entropy of one batch and how many of its rows the logits already classified right.</summary>
internal readonly record struct BatchLoss(double MeanLoss, int Correct);
