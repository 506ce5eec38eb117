namespace ProtSt.Model.Hub;

/// <summary>The two kinds of Hugging Face repository this client reads; they differ in their API and resolve paths.</summary>
public enum HubRepositoryKind
{
    /// <summary><c>/api/models/{repo}</c>, files under <c>/{repo}/resolve/{revision}/</c>.</summary>
    Model,

    /// <summary><c>/api/datasets/{repo}</c>, files under <c>/datasets/{repo}/resolve/{revision}/</c>.</summary>
    Dataset,
}
