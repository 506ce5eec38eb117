using System.Globalization;

namespace ProtSt.Pipeline;

/// <summary>
/// The classes of a zero-shot job, read from a tab-separated file in ProtST's label layout: a header with <c>id</c>,
/// <c>name</c> and optionally <c>description</c>, then one row per class with ids 0..n-1.
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

    public static LabelSet Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The label file '{path}' does not exist.", path);
        }

        var lines = File.ReadAllLines(path).Select((text, index) => (Text: text.TrimEnd('\r'), Line: index + 1)).Where(l => l.Text.Length > 0).ToList();
        if (lines.Count < 2)
        {
            throw new InvalidDataException($"{path}: a label file needs a header (id, name, description) and at least one class.");
        }

        var header = lines[0].Text.Split('\t');
        int Column(string name) => Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        var (idColumn, nameColumn, descriptionColumn) = (Column("id"), Column("name"), Column("description"));
        if (idColumn < 0 || nameColumn < 0)
        {
            throw new InvalidDataException($"{path}:1: the header must name tab-separated 'id' and 'name' columns (and optionally 'description'); found '{lines[0].Text}'.");
        }

        var rows = new SortedDictionary<int, (string Name, string? Description)>();
        foreach (var (text, line) in lines.Skip(1))
        {
            var fields = text.Split('\t');
            if (fields.Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{line}: {fields.Length} fields, but the header has {header.Length}.");
            }

            if (!int.TryParse(fields[idColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new InvalidDataException($"{path}:{line}: id '{fields[idColumn]}' is not a non-negative integer.");
            }

            var name = fields[nameColumn].Trim();
            if (name.Length == 0)
            {
                throw new InvalidDataException($"{path}:{line}: class {id} has an empty name.");
            }

            if (!rows.TryAdd(id, (name, descriptionColumn >= 0 ? fields[descriptionColumn].Trim() : null)))
            {
                throw new InvalidDataException($"{path}:{line}: id {id} appears twice.");
            }
        }

        if (rows.Keys.Last() != rows.Count - 1)
        {
            throw new InvalidDataException($"{path}: class ids must run from 0 to {rows.Count - 1} without gaps; found {string.Join(", ", rows.Keys)}.");
        }

        var duplicate = rows.Values.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{path}: the name '{duplicate.Key}' is used by more than one class.");
        }

        return new LabelSet(rows.Values.Select(r => r.Name).ToArray(), rows.Values.Select(r => r.Description).ToArray(), path);
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
}
