using System.Globalization;
using nietras.SeparatedValues;
using Parquet;

namespace ProtSt.Pipeline;

/// <summary>
/// The classes of a job, read from a label table: ProtST's label layout as a TSV (<c>id</c>, <c>name</c>, optionally
/// <c>description</c>), or the files of the <c>mila-intel/subloc_template</c> dataset as they come (CSV, TSV or Parquet
/// with a <c>name</c> column and no <c>id</c>: the row order is the label order, as the published script reads them).
/// </summary>
public sealed class LabelSet
{
    /// <summary>The prompt ProtST's zero-shot localization builds from a class name.</summary>
    public const string DefaultTemplate = "SUBCELLULAR LOCATION: {name}.";

    private LabelSet(IReadOnlyList<string> names, IReadOnlyList<string?> descriptions, string source)
    {
        Names = names;
        Descriptions = descriptions;
        Source = source;
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<string?> Descriptions { get; }

    public string Source { get; }

    public int Count => Names.Count;

    /// <summary>Reads a label table; see <see cref="ReadAsync"/>, which this waits for (a label file is small).</summary>
    /// <remarks>The read runs on the thread pool, so waiting here cannot deadlock a caller on a single-threaded scheduler (a grain's).</remarks>
    public static LabelSet Read(string path) => Task.Run(() => ReadAsync(path, CancellationToken.None)).GetAwaiter().GetResult();

    /// <summary>Reads a label table: TSV or CSV (by its header: tabs make it TSV), or Parquet (by its magic bytes).</summary>
    public static async Task<LabelSet> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The label file '{path}' does not exist.", path);
        }

        if (!RegularFile.IsRegularOrUnknown(path))
        {
            throw new InvalidDataException($"The label file '{path}' is a pipe or device, not a regular file.");
        }

        bool parquet;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16, useAsync: true))
        {
            parquet = await SequenceInput.IsParquetAsync(file, cancellationToken);
        }

        var (header, rows) = parquet ? await ReadParquetAsync(path, cancellationToken) : ReadText(path);
        int Column(string name) => Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        var (idColumn, nameColumn, descriptionColumn) = (Column("id"), Column("name"), Column("description"));
        if (nameColumn < 0)
        {
            throw new InvalidDataException($"{path}:1: the header must name a 'name' column (and optionally 'id' and 'description'); found '{string.Join(", ", header)}'.");
        }

        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{path}: a label file needs a header (id, name, description) and at least one class.");
        }

        var classes = new SortedDictionary<int, (string Name, string? Description)>();
        foreach (var (fields, line) in rows)
        {
            if (fields.Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{line}: {fields.Length} fields, but the header has {header.Length}.");
            }

            // Without an id column the row order is the label order (the subloc_template dataset's 'train' split).
            var id = classes.Count;
            if (idColumn >= 0 && !int.TryParse(fields[idColumn], NumberStyles.None, CultureInfo.InvariantCulture, out id))
            {
                throw new InvalidDataException($"{path}:{line}: id '{fields[idColumn]}' is not a non-negative integer.");
            }

            var name = fields[nameColumn].Trim();
            if (name.Length == 0)
            {
                throw new InvalidDataException($"{path}:{line}: class {id} has an empty name.");
            }

            if (!classes.TryAdd(id, (name, descriptionColumn >= 0 ? fields[descriptionColumn].Trim() : null)))
            {
                throw new InvalidDataException($"{path}:{line}: id {id} appears twice.");
            }
        }

        if (classes.Keys.Last() != classes.Count - 1)
        {
            throw new InvalidDataException($"{path}: class ids must run from 0 to {classes.Count - 1} without gaps; found {string.Join(", ", classes.Keys)}.");
        }

        var duplicate = classes.Values.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{path}: the name '{duplicate.Key}' is used by more than one class.");
        }

        return new LabelSet(classes.Values.Select(r => r.Name).ToArray(), classes.Values.Select(r => r.Description).ToArray(), path);
    }

    /// <summary>The prompts in id order: each name through <paramref name="template"/> (<c>{name}</c> is replaced), or each description.</summary>
    public IReadOnlyList<string> Prompts(LabelField field, string template = DefaultTemplate)
    {
        if (field == LabelField.Description)
        {
            var missing = Enumerable.Range(0, Count).Where(i => string.IsNullOrWhiteSpace(Descriptions[i])).ToList();
            return missing.Count == 0
                ? Descriptions.Select(d => d!).ToArray()
                : throw new InvalidDataException($"{Source}: class(es) {string.Join(", ", missing)} have no description; use the name field or fill the description column.");
        }

        if (!template.Contains("{name}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The prompt template '{template}' must contain {{name}}.", nameof(template));
        }

        return Names.Select(n => template.Replace("{name}", n, StringComparison.Ordinal)).ToArray();
    }

    // RFC 4180 through Sep, as the sequence readers: quoted names may hold the delimiter, doubled quotes and line breaks.
    private static (string[] Header, List<(string[] Fields, long Line)> Rows) ReadText(string path)
    {
        var firstLine = File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0);
        if (firstLine is null)
        {
            throw new InvalidDataException($"{path}: a label file needs a header (id, name, description) and at least one class.");
        }

        var delimiter = firstLine.Contains('\t', StringComparison.Ordinal) ? '\t' : ',';
        using var reader = Sep.Reader(o => o with { Sep = new Sep(delimiter), HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromFile(path);
        var records = new List<(string[] Fields, long Line)>();
        var line = 1L;
        foreach (var row in reader)
        {
            // A header-less Sep read numbers its first row oddly; a row starts where the one before it ended.
            var fields = new string[row.ColCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = row[i].ToString();
            }

            if (!(fields.Length == 1 && fields[0].Trim().Length == 0))
            {
                records.Add((fields, line));
            }

            line = row.LineNumberToExcl;
        }

        return (records[0].Fields, records.Skip(1).ToList());
    }

    private static async Task<(string[] Header, List<(string[] Fields, long Line)> Rows)> ReadParquetAsync(string path, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var fields = reader.Schema.DataFields;
        var rows = new List<(string[] Fields, long Line)>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var columns = new List<string?[]>();
            foreach (var field in fields)
            {
                columns.Add(await ParquetSequenceReader.ReadTextAsync(group, field, count, path, rows.Count + 1, cancellationToken));
            }

            for (var i = 0; i < count; i++)
            {
                rows.Add(([.. columns.Select(c => c[i] ?? string.Empty)], rows.Count + 1));
            }
        }

        return ([.. fields.Select(f => f.Name)], rows);
    }
}
