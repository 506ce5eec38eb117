using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>A job's task resolved against its model folder: which columns it writes and the labels it predicts.</summary>
internal sealed record JobTask(ScreenTask Task, ScoreColumns? Columns, JobLabels? Labels)
{
    public static string DefaultLabelsPath => Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv");

    /// <summary>Checks that the model can do the task and, for zero-shot, embeds the label prompts once on a device of the cluster.</summary>
    public static async Task<JobTask> ResolveAsync(JobTaskRequest request, string modelDirectory, IGrainFactory grains, TimeSpan textEmbeddingTimeout, CancellationToken cancellationToken)
    {
        var manifest = ModelFolder.Open(modelDirectory, verifyHashes: false).Manifest;
        var task = request.Task ?? manifest.Kind switch
        {
            ModelKind.ZeroShot => ScreenTask.ZeroShot,
            ModelKind.Classifier => ScreenTask.Classify,
            _ => ScreenTask.Embed,
        };

        switch (task)
        {
            case ScreenTask.ZeroShot:
                if (manifest.Kind != ModelKind.ZeroShot)
                {
                    throw new InvalidOperationException(
                        $"--task zero-shot needs a ProtST zero-shot model (converted from a 'protst' checkpoint with a text tower); '{modelDirectory}' is a {manifest.Kind} model.");
                }

                var labels = LabelSet.Read(request.LabelsPath ?? DefaultLabelsPath);
                var prompts = labels.Prompts(request.Field, request.PromptTemplate);
                var scoring = await TextEmbedder.EmbedLabelsAsync(grains, modelDirectory, prompts, manifest.LogitScale!.Value, textEmbeddingTimeout, cancellationToken);
                return new JobTask(task, new ScoreColumns(ScoreColumns.ZeroShotPrefix, labels.Names), new JobLabels(labels.Names, scoring));

            case ScreenTask.Classify:
                if (manifest.Kind != ModelKind.Classifier)
                {
                    throw new InvalidOperationException(
                        $"--task classify needs a classifier model (a converted ProtSTForProteinPropertyPrediction checkpoint, or the output of protst finetune); '{modelDirectory}' is a {manifest.Kind} model.");
                }

                if (request.LabelsPath is not null)
                {
                    throw new InvalidOperationException("--labels applies to zero-shot; a classifier's classes are fixed by its model folder.");
                }

                return new JobTask(task, new ScoreColumns(ScoreColumns.ClassifierPrefix, manifest.Labels!), new JobLabels(manifest.Labels!));

            default:
                return new JobTask(task, null, null);
        }
    }
}
