namespace ProtSt.Pipeline;

/// <summary>Writes one embedding row per sequence, in the order given.</summary>
public interface IEmbeddingWriter : IAsyncDisposable
{
    ValueTask WriteAsync(string id, ReadOnlyMemory<float> vector, CancellationToken cancellationToken);
}
