namespace ProtSt.Training;

/// <summary>How <see cref="HeadTrainer"/> fits the classifier head; bound from the <c>Training</c> configuration section.</summary>
public sealed class HeadTrainingOptions
{
    public const string SectionName = "Training";

    /// <summary>AdamW step size, held constant: ProtST's published fine-tuning uses 5e-5 with no schedule.</summary>
    public double LearningRate { get; set; } = 5e-5;

    /// <summary>
    /// Decoupled weight decay on the two weight matrices, never on biases (the Hugging Face Trainer's grouping); ProtST's
    /// published fine-tuning passes 0, the Trainer's default.
    /// </summary>
    public double WeightDecay { get; set; }

    /// <summary>Global L2 norm the gradients are clipped to before each step, as torch's clip_grad_norm_; 1.0 is the Trainer's default, 0 turns clipping off.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    public double Beta1 { get; set; } = 0.9;

    public double Beta2 { get; set; } = 0.999;

    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Rows per optimizer step; 256 is the published effective batch (there reached by gradient accumulation).</summary>
    public int BatchSize { get; set; } = 256;

    public int MaxEpochs { get; set; } = 100;

    /// <summary>Epochs without a better validation accuracy before training stops; 0 (the published recipe) trains all <see cref="MaxEpochs"/>.</summary>
    public int Patience { get; set; }

    /// <summary>Which epoch's weights are kept: the best by validation accuracy (published) or the last.</summary>
    public HeadSelection Keep { get; set; } = HeadSelection.Best;

    /// <summary>Seeds the initial weights and the per-epoch shuffle, so a run is reproducible.</summary>
    public int Seed { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot train.</summary>
    public void Validate()
    {
        Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a positive number");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "zero or more");
        Require(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "zero (no clipping) or more");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "in [0, 1)");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "in [0, 1)");
        Require(Epsilon > 0, nameof(Epsilon), Epsilon, "positive");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Require(MaxEpochs >= 1, nameof(MaxEpochs), MaxEpochs, "at least 1");
        Require(Patience >= 0, nameof(Patience), Patience, "zero (no early stopping) or more");
        Require(Enum.IsDefined(Keep), nameof(Keep), Keep, "Best or Last");
    }

    private static void Require(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"Training option {name} is {value}; it must be {expected}.", name);
        }
    }
}
