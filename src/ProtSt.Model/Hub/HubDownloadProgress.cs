namespace ProtSt.Model.Hub;

/// <summary>Bytes received so far for one file of a download.</summary>
public sealed record HubDownloadProgress(string File, long Received, long? Total);
