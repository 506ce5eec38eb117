using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Online;
using ProtSt.Grains.Security;
using ProtSt.Model.Folders;

namespace ProtSt.Silo.Online;

/// <summary>
/// Turns a request's <c>model</c> into a model folder: a name from <c>Serving:Models</c>, or an absolute folder, which
/// must lie under <c>Security:ModelRoots</c> when roots are set (a named one too: configuration cannot lead out of them).
/// </summary>
public sealed class OnlineModels(IOptions<ServingOptions> serving, IOptions<SecurityOptions> security)
{
    private readonly FolderRoots _roots = new(security.Value.ModelRoots);

    /// <summary>The configured names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. serving.Value.Models.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The full path of the model folder <paramref name="model"/> names, or an <see cref="OnlineRequestException"/>.</summary>
    public string Resolve(string? model)
    {
        var names = Names.Count > 0 ? string.Join(", ", Names) : "none configured in Serving:Models";
        if (string.IsNullOrWhiteSpace(model))
        {
            // TEI serves one model: /embed may leave it out when exactly one name is configured.
            if (serving.Value.Models.Count == 1)
            {
                return Resolve(Names[0]);
            }

            throw OnlineRequestException.BadRequest($"'model' is required: a name from GET /v1/models ({names}) or an absolute model folder.", "missing_model", "model");
        }

        string folder;
        if (serving.Value.Models.TryGetValue(model, out var named))
        {
            folder = named;
        }
        else if (Path.IsPathFullyQualified(model))
        {
            folder = model;
        }
        else
        {
            throw OnlineRequestException.UnknownModel($"Unknown model '{model}': give a name from GET /v1/models ({names}) or an absolute model folder.");
        }

        if (!_roots.Contains(folder))
        {
            throw new OnlineRequestException(StatusCodes.Status403Forbidden, $"Model '{model}' is not under {SecurityOptions.ModelRootsName}.", "model_not_allowed", "model");
        }

        if (!File.Exists(Path.Combine(folder, ModelManifest.FileName)))
        {
            throw OnlineRequestException.UnknownModel($"Model '{model}' has no model folder: no {ModelManifest.FileName} in '{folder}'.");
        }

        return Path.GetFullPath(folder);
    }
}
