namespace ProtSt.Training;

/// <summary>One epoch of head training: mean training loss and accuracy over its batches, then validation metrics.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean cross-entropy over the epoch's rows, taken before each step.</param>
/// <param name="TrainAccuracy">Accuracy of the predictions the batches were trained on, taken before each step.</param>
/// <param name="ValidAccuracy">Accuracy on the validation split after the epoch.</param>
/// <param name="ValidMcc">Matthews correlation on the validation split after the epoch.</param>
/// <param name="Improved">Whether this epoch set a new best validation accuracy (and so its weights are the best so far).</param>
/// <param name="Elapsed">Wall time of the epoch: its steps and the validation pass.</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double TrainAccuracy, double ValidAccuracy, double ValidMcc, bool Improved, TimeSpan Elapsed);
