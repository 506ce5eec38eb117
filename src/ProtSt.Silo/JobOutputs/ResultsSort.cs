namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// How a results page is ordered: <c>record</c> (file order, the default), <c>id</c>, <c>length</c>, <c>label</c> or
/// <c>score</c> (the score of the row's predicted class); a leading '-' reverses it.
/// </summary>
public sealed record ResultsSort(string Key, bool Descending)
{
    public const string Record = "record";
    public const string Id = "id";
    public const string Length = "length";
    public const string Label = "label";
    public const string Score = "score";

    private static readonly string[] Keys = [Record, Id, Length, Label, Score];

    public static ResultsSort Default { get; } = new(Record, false);

    /// <summary>The sort <paramref name="text"/> names, or the reason it names none.</summary>
    public static (ResultsSort? Sort, string? Problem) Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (Default, null);
        }

        var descending = text.StartsWith('-');
        var key = descending ? text[1..] : text;
        return Keys.Contains(key, StringComparer.Ordinal)
            ? (new ResultsSort(key, descending), null)
            : (null, $"sort is one of {string.Join(", ", Keys)}, with a leading '-' for descending (got '{text}').");
    }
}
