using System.Globalization;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;

namespace ProtSt.Grains.Security;

/// <summary>Checks the work a call asks of a silo against <see cref="SecurityOptions"/>: sizes, model folders against the model roots, a job's files against the data roots.</summary>
public sealed class CallValidator
{
    private readonly SecurityOptions _options;
    private readonly FolderRoots _roots;
    private readonly FolderRoots _dataRoots;
    private readonly ModelCatalog _catalog;

    public CallValidator(IOptions<SecurityOptions> options, ModelCatalog catalog)
    {
        _options = options.Value;
        _roots = new FolderRoots(_options.ModelRoots);
        _dataRoots = new FolderRoots(_options.DataRoots);
        _catalog = catalog;
    }

    /// <summary>Throws <see cref="RequestRefusedException"/> if <paramref name="argument"/> is a request this silo must refuse.</summary>
    public void Validate(object? argument)
    {
        switch (argument)
        {
            case JobSpec spec:
                Sharing(spec.Priority, spec.MaxDevices);
                Work("job", spec.ShardSize, spec.MaxTokensPerBatch, spec.MaxBatchSize);
                Paths(spec);
                Model(spec.Model);
                break;
            case PartRequest part:
                Validate(part);
                break;
            case DeviceBatch batch:
                Validate(batch);
                break;
            case TextEmbeddingRequest text:
                Validate(text);
                break;
            case EncodeRequest encode:
                Validate(encode);
                break;
        }
    }

    // An online request is a shard's worth of sequences at most, each under the residue limit of job input.
    private void Validate(EncodeRequest request)
    {
        Id("work name", request.Source);
        Sharing(request.Priority, 0);
        Positive("encode request has {0} sequences", request.Sequences?.Count ?? 0, nameof(SecurityOptions.MaxRecordsPerShard), _options.MaxRecordsPerShard);
        foreach (var sequence in request.Sequences ?? [])
        {
            if (sequence is null)
            {
                throw new RequestRefusedException("an encode request holds a null sequence.");
            }

            Limit("a sequence has {0} characters", sequence?.Length ?? 0, nameof(SecurityOptions.MaxSequenceResidues), _options.MaxSequenceResidues);
        }

        Model(request.ModelDirectory);
    }

    // The part's records were read under the input limits (id length, sequence residues) when its job was planned.
    private void Validate(PartRequest request)
    {
        Id("job id", request.JobId);
        Sharing(request.Priority, request.MaxDevices);
        Work("shard request", request.ShardSize, request.MaxTokensPerBatch, request.MaxBatchSize);
        if (request.Scoring is { } scoring)
        {
            Positive("label scoring has {0} labels", scoring.Labels, nameof(SecurityOptions.MaxLabels), _options.MaxLabels);
            Positive("label scoring has features {0} wide", scoring.Width, nameof(SecurityOptions.MaxLabelFeatureWidth), _options.MaxLabelFeatureWidth);
            if (scoring.LabelFeatures is null || scoring.LabelFeatures.Length != (long)scoring.Labels * scoring.Width)
            {
                throw new RequestRefusedException($"label scoring has {scoring.LabelFeatures?.Length ?? 0} values, not {scoring.Labels} labels x {scoring.Width}.");
            }
        }

        Data("shard records file", request.RecordsFile);
        Data("parts folder", request.PartsDirectory);
        Model(request.ModelDirectory);
    }

    /// <summary>
    /// A job's paths: bounded in length, free of NUL, absolute, and under <see cref="SecurityOptions.DataRoots"/> (the
    /// model under the model roots). Called by the call filter and again by the coordinator before it touches the disk.
    /// </summary>
    public void Paths(JobSpec spec)
    {
        JobPath("input", spec.Input);
        JobPath("output", spec.Output);
        JobPath("model", spec.Model);
        if (spec.LabelsPath is not null)
        {
            JobPath("labels", spec.LabelsPath);
        }

        Limit("the prompt template has {0} characters", spec.PromptTemplate?.Length ?? 0, nameof(SecurityOptions.MaxPromptLength), _options.MaxPromptLength);
        Data("input", spec.Input);
        Data("output", spec.Output);
        if (spec.LabelsPath is not null)
        {
            Data("labels", spec.LabelsPath);
        }
    }

    private void JobPath(string field, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new RequestRefusedException($"the job's {field} path is empty.");
        }

        Limit($"the job's {field} path has {{0}} characters", path.Length, nameof(SecurityOptions.MaxPathLength), _options.MaxPathLength);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new RequestRefusedException($"the job's {field} path holds a NUL character.");
        }

        if (!Path.IsPathFullyQualified(path))
        {
            throw new RequestRefusedException($"the job's {field} path '{path}' is not absolute; the silos resolve it, not the caller.");
        }
    }

    private void Data(string field, string path)
    {
        if (_dataRoots.Confining && !_dataRoots.Contains(path))
        {
            throw new RequestRefusedException(
                $"the job's {field} '{path}' is outside every folder of {SecurityOptions.DataRootsName} (paths are compared with '..' and symlinks resolved).");
        }
    }

    // A shard holds up to ShardSize records, computed in batches of these bounds; a token budget of 0 is the devices' own.
    private void Work(string what, int shardSize, int tokensPerBatch, int batchSize)
    {
        Positive(what + " has {0} records", shardSize, nameof(SecurityOptions.MaxRecordsPerShard), _options.MaxRecordsPerShard);
        if (tokensPerBatch != 0)
        {
            Positive(what + " asks for {0} tokens per batch", tokensPerBatch, nameof(SecurityOptions.MaxTokensPerBatch), _options.MaxTokensPerBatch);
        }

        Positive(what + " asks for batches of {0} sequences", batchSize, nameof(SecurityOptions.MaxBatchSize), _options.MaxBatchSize);
    }

    private void Validate(DeviceBatch batch)
    {
        Id("job id", batch.JobId);
        Sharing(batch.Weight, 0);
        Positive("device batch has {0} sequences", batch.BatchSize, nameof(SecurityOptions.MaxBatchSize), _options.MaxBatchSize);

        Positive("device batch has sequences of {0} tokens", batch.SequenceLength, nameof(SecurityOptions.MaxSequenceResidues), int.MaxValue);

        // Two special tokens (<cls>, <eos>) surround the residues.
        Limit("device batch has sequences of {0} residues", batch.SequenceLength - 2, nameof(SecurityOptions.MaxSequenceResidues), _options.MaxSequenceResidues);
        var cells = (long)batch.BatchSize * batch.SequenceLength;
        if (batch.InputIds is null || batch.AttentionMask is null || batch.InputIds.Length != cells || batch.AttentionMask.Length != cells)
        {
            throw new RequestRefusedException($"device batch of {batch.BatchSize} x {batch.SequenceLength} does not carry {cells} token ids and mask values.");
        }

        Model(batch.ModelDirectory);
    }

    private void Validate(TextEmbeddingRequest request)
    {
        Positive("text request has {0} prompts", request.Prompts?.Count ?? 0, nameof(SecurityOptions.MaxLabels), _options.MaxLabels);
        foreach (var prompt in request.Prompts ?? [])
        {
            Limit("a prompt has {0} characters", prompt?.Length ?? 0, nameof(SecurityOptions.MaxPromptLength), _options.MaxPromptLength);
        }

        Model(request.ModelDirectory);
    }

    private void Model(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new RequestRefusedException("the request names no model folder.");
        }

        if (!_roots.Confining)
        {
            return;
        }

        Confine(directory, directory);

        // A fine-tuned folder runs the encoder of the folder its manifest names; that one must be inside too.
        Model.Folders.ModelFolder folder;
        try
        {
            folder = _catalog.Folder(directory);
        }
        catch (Model.Folders.ModelFolderException e)
        {
            // Refused here, before the grain runs, with the folder's problem as the reason (the exception itself cannot cross to the caller).
            throw new RequestRefusedException($"the job's model folder cannot be used: {e.Message}");
        }

        if (folder.BaseModel is { } baseModel)
        {
            Confine(baseModel.Directory, $"{directory}'s base model {baseModel.Directory}");
        }
    }

    private void Confine(string directory, string description)
    {
        if (!_roots.Contains(directory))
        {
            throw new RequestRefusedException(
                $"model folder '{description}' is outside every folder of {SecurityOptions.ModelRootsName} (paths are compared with '..' and symlinks resolved).");
        }
    }

    private void Id(string what, string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestRefusedException($"a {what} is empty.");
        }

        if (id.Length > _options.MaxIdLength)
        {
            throw new RequestRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"a {what} has {id.Length} characters; the limit is {SecurityOptions.SectionName}:{nameof(SecurityOptions.MaxIdLength)} = {_options.MaxIdLength}"));
        }
    }

    // A request from a client that predates the fields carries 0 for the priority, which the devices read as 1.
    private static void Sharing(int priority, int maxDevices)
    {
        if (JobSharing.Problem(priority == 0 ? JobSharing.DefaultPriority : priority, maxDevices, "the job's priority", "the job's device limit") is { } problem)
        {
            throw new RequestRefusedException(problem);
        }
    }

    private static void Positive(string format, int value, string option, int limit)
    {
        if (value <= 0)
        {
            throw new RequestRefusedException(string.Format(CultureInfo.InvariantCulture, format, value) + "; it must be positive");
        }

        Limit(format, value, option, limit);
    }

    private static void Limit(string format, int value, string option, int limit)
    {
        if (value > limit)
        {
            throw new RequestRefusedException(
                string.Format(CultureInfo.InvariantCulture, format, value) +
                string.Create(CultureInfo.InvariantCulture, $"; the limit is {SecurityOptions.SectionName}:{option} = {limit}"));
        }
    }
}
