using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Writes what a job's <see cref="Extraction"/> asks for, beside a shard's rows: the <c>mean_&lt;k&gt;</c> and
/// <c>bos_&lt;k&gt;</c> columns of embeddings.parquet, residues.parquet and contacts.parquet, streamed into the part as
/// each record is written. A record repeating a sequence of an earlier shard takes its outputs from that shard's part.
/// </summary>
internal sealed class ShardExtraction : IAsyncDisposable
{
    private readonly Extraction _extraction;
    private readonly StateParquetWriter? _residues;
    private readonly StateParquetWriter? _contacts;
    private readonly Dictionary<string, Repeated> _repeated = new(StringComparer.Ordinal);
    private float[] _state = [];
    private bool _disposed;

    public ShardExtraction(Extraction extraction, string partDirectory, int valuesPerRowGroup)
    {
        _extraction = extraction;
        VectorColumns = ColumnsOf(extraction);
        _residues = extraction.WantsResidues() ? ResiduesTable.Create(partDirectory, valuesPerRowGroup) : null;
        _contacts = extraction.WantsContacts() ? ContactsTable.Create(partDirectory, valuesPerRowGroup) : null;
    }

    /// <summary>The further columns of embeddings.parquet: <c>mean_&lt;k&gt;</c> for each layer with mean, then <c>bos_&lt;k&gt;</c> with bos.</summary>
    public IReadOnlyList<string> VectorColumns { get; }

    /// <summary>The further columns <paramref name="extraction"/> gives embeddings.parquet.</summary>
    public static IReadOnlyList<string> ColumnsOf(Extraction extraction)
    {
        var layers = extraction.ResolvedLayers();
        var columns = new List<string>();
        if (extraction.Include.HasFlag(ExtractionParts.Mean))
        {
            columns.AddRange(layers.Select(k => $"mean_{k}"));
        }

        if (extraction.Include.HasFlag(ExtractionParts.Bos))
        {
            columns.AddRange(layers.Select(k => $"bos_{k}"));
        }

        return columns;
    }

    /// <summary>Reads the outputs of records of <paramref name="ids"/> from an earlier shard's part, for the records of this shard that repeat them.</summary>
    public async Task ReadRepeatedAsync(string partDirectory, IReadOnlySet<string> ids, CancellationToken cancellationToken)
    {
        Repeated Of(string id) => _repeated.TryGetValue(id, out var found) ? found : _repeated[id] = new Repeated();
        if (VectorColumns.Count > 0)
        {
            await foreach (var (id, vectors) in EmbeddingsTable.ReadVectorsAsync(EmbeddingsTable.PathIn(partDirectory), VectorColumns, cancellationToken))
            {
                if (ids.Contains(id))
                {
                    Of(id).Vectors = vectors;
                }
            }
        }

        if (_residues is not null)
        {
            await foreach (var (id, ints, state) in StateParquetReader.ReadAsync(
                ResiduesTable.PathIn(partDirectory), [ResiduesTable.LayerColumn, ResiduesTable.PositionColumn], ResiduesTable.StateColumn, ids, cancellationToken))
            {
                Of(id).Residues.Add((ints[0], ints[1], state));
            }
        }

        if (_contacts is not null)
        {
            await foreach (var (id, _, map) in StateParquetReader.ReadAsync(
                ContactsTable.PathIn(partDirectory), [ContactsTable.LengthColumn], ContactsTable.ContactsColumn, ids, cancellationToken))
            {
                Of(id).Contacts = map;
            }
        }
    }

    /// <summary>The further embedding vectors of a protein this shard computed, in <see cref="VectorColumns"/> order.</summary>
    public IReadOnlyList<float[]> Vectors(ProteinStates states)
    {
        var vectors = new List<float[]>(VectorColumns.Count);
        if (_extraction.Include.HasFlag(ExtractionParts.Mean))
        {
            vectors.AddRange(_extraction.ResolvedLayers().Select(states.Mean));
        }

        if (_extraction.Include.HasFlag(ExtractionParts.Bos))
        {
            vectors.AddRange(_extraction.ResolvedLayers().Select(states.Bos));
        }

        return vectors;
    }

    /// <summary>The further embedding vectors of a record repeating <paramref name="originalId"/> of an earlier shard.</summary>
    public IReadOnlyList<float[]> Vectors(string originalId) => RepeatedOf(originalId).Vectors ?? [];

    /// <summary>Writes the residue rows and the contact map of a protein this shard computed, under <paramref name="id"/>.</summary>
    public async Task WriteAsync(string id, ProteinStates states, CancellationToken cancellationToken)
    {
        if (_residues is not null)
        {
            if (_state.Length != states.Width)
            {
                _state = new float[states.Width];
            }

            foreach (var layer in _extraction.ResolvedLayers())
            {
                for (var residue = 0; residue < states.Residues; residue++)
                {
                    states.CopyResidue(layer, residue, _state);
                    await _residues.WriteAsync(id, [layer, residue + 1], _state, cancellationToken);
                }
            }
        }

        if (_contacts is not null)
        {
            await _contacts.WriteAsync(id, [states.Residues], states.Contacts(), cancellationToken);
        }
    }

    /// <summary>Writes the residue rows and the contact map of a record repeating <paramref name="originalId"/> of an earlier shard, under <paramref name="id"/>.</summary>
    public async Task WriteAsync(string id, string originalId, CancellationToken cancellationToken)
    {
        var repeated = RepeatedOf(originalId);
        if (_residues is not null)
        {
            foreach (var (layer, position, state) in repeated.Residues)
            {
                await _residues.WriteAsync(id, [layer, position], state, cancellationToken);
            }
        }

        if (_contacts is not null && repeated.Contacts is { } map)
        {
            await _contacts.WriteAsync(id, [(int)Math.Round(Math.Sqrt(map.Length))], map, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_residues is not null)
        {
            await _residues.DisposeAsync();
        }

        if (_contacts is not null)
        {
            await _contacts.DisposeAsync();
        }
    }

    private Repeated RepeatedOf(string id) =>
        _repeated.TryGetValue(id, out var repeated) ? repeated : throw new InvalidDataException($"The earlier part holds no extracted outputs for record {id}.");

    /// <summary>What an earlier shard's part holds for one record.</summary>
    private sealed class Repeated
    {
        public float[][]? Vectors { get; set; }

        public List<(int Layer, int Position, float[] State)> Residues { get; } = [];

        public float[]? Contacts { get; set; }
    }
}
