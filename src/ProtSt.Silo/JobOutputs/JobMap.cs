namespace ProtSt.Silo.JobOutputs;

/// <summary>A job's embedding map: the points drawn (every protein, or every <see cref="Stride"/>-th in record order beyond the limit) out of <see cref="Rows"/> rows.</summary>
public sealed record JobMap(IReadOnlyList<MapPoint> Points, int Rows, int Stride);
