namespace ProtSt.Training;

/// <summary>Which epoch's weights a training run hands back.</summary>
public enum HeadSelection
{
    /// <summary>The epoch with the highest validation accuracy (the earliest on ties), as the Hugging Face Trainer's load_best_model_at_end.</summary>
    Best,

    /// <summary>The weights after the last epoch run.</summary>
    Last,
}
