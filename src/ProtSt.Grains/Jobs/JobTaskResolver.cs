using ProtSt.Model.Folders;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>Checks that a job's model can do its task and, for zero-shot, embeds the label prompts once on a device of the cluster.</summary>
public static class JobTaskResolver
{
    public const string Embed = "embed";
    public const string ZeroShot = "zero-shot";
    public const string Classify = "classify";

    /// <summary>ProtST's ten subcellular locations, shipped beside the program on every node.</summary>
    public static string DefaultLabelsPath => Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv");

    /// <summary>The job's task, after checking that its model can do it (called at submit, so a mismatch is refused before the job exists).</summary>
    public static string Check(JobSpec spec, ModelFolder folder)
    {
        var manifest = folder.Manifest;
        var task = spec.Task ?? manifest.Kind switch
        {
            ModelKind.ZeroShot => ZeroShot,
            ModelKind.Classifier => Classify,
            _ => Embed,
        };

        switch (task)
        {
            case ZeroShot when manifest.Kind != ModelKind.ZeroShot:
                throw new InvalidOperationException(
                    $"--task zero-shot needs a ProtST zero-shot model (converted from a 'protst' checkpoint with a text tower); '{spec.Model}' is a {manifest.Kind} model.");
            case Classify when manifest.Kind != ModelKind.Classifier:
                throw new InvalidOperationException(
                    $"--task classify needs a classifier model (a converted ProtSTForProteinPropertyPrediction checkpoint, or the output of protst finetune); '{spec.Model}' is a {manifest.Kind} model.");
            case Classify when spec.LabelsPath is not null:
                throw new InvalidOperationException("--labels applies to zero-shot; a classifier's classes are fixed by its model folder.");
            case ZeroShot or Classify or Embed:
                return task;
            default:
                throw new InvalidOperationException($"Unknown task '{task}': embed, zero-shot or classify.");
        }
    }

    public static async Task<ResolvedTask> ResolveAsync(JobSpec spec, ModelFolder folder, IGrainFactory grains, TimeSpan textEmbeddingTimeout, CancellationToken cancellationToken)
    {
        var manifest = folder.Manifest;
        switch (Check(spec, folder))
        {
            case ZeroShot and var task:
                var labels = await LabelSet.ReadAsync(spec.LabelsPath ?? DefaultLabelsPath, cancellationToken);
                var prompts = labels.Prompts(spec.LabelDescriptions ? LabelField.Description : LabelField.Name, spec.PromptTemplate);
                var scoring = await TextEmbedder.EmbedLabelsAsync(grains, spec.Model, prompts, manifest.LogitScale!.Value, textEmbeddingTimeout, cancellationToken);
                return new ResolvedTask(task, ScoreColumns.ZeroShotPrefix, labels.Names, scoring, WithFeature: true);

            case Classify:
                return new ResolvedTask(Classify, ScoreColumns.ClassifierPrefix, manifest.Labels!, null, WithFeature: false);

            default:
                return new ResolvedTask(Embed, null, null, null, WithFeature: false);
        }
    }
}
