namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// A page of a job's results: <see cref="Total"/> rows match the filters (<see cref="Rows"/> in the job so far), of
/// which <see cref="Items"/> are those from <see cref="Offset"/>; <see cref="Classes"/> names the score columns
/// (<see cref="ScorePrefix"/> <c>score:</c> zero-shot, <c>prob:</c> classifier; none for an embed job).
/// </summary>
public sealed record ResultsPage(int Rows, int Total, int Offset, int Limit, string Sort, string? ScorePrefix, IReadOnlyList<string> Classes, IReadOnlyList<ResultItem> Items);
