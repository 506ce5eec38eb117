namespace ProtSt.Training;

/// <summary>What <see cref="HeadTrainer.TrainAsync"/> produced: the kept head, the epoch history, and the test evaluation.</summary>
/// <param name="Head">The weights after <paramref name="KeptEpoch"/>: the best epoch's, restored even when later epochs ran, or the last's.</param>
/// <param name="KeptEpoch">1-based epoch whose weights <paramref name="Head"/> holds (<see cref="HeadTrainingOptions.Keep"/>).</param>
/// <param name="BestEpoch">1-based epoch with the highest validation accuracy (the earliest, on ties).</param>
/// <param name="BestValidAccuracy">Validation accuracy at <paramref name="BestEpoch"/>.</param>
/// <param name="History">Every epoch run, in order; at most MaxEpochs long.</param>
/// <param name="StoppedEarly">Whether patience ran out before MaxEpochs.</param>
/// <param name="Test">The kept head on the test split, when one was given.</param>
public sealed record HeadTrainingResult(
    ClassifierHead Head,
    int KeptEpoch,
    int BestEpoch,
    double BestValidAccuracy,
    IReadOnlyList<EpochReport> History,
    bool StoppedEarly,
    SplitEvaluation? Test);
