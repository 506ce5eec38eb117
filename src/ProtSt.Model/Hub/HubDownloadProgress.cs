namespace ProtSt.Model.Hub;

/// <summary>Bytes of one file present so far (a resumed file starts at what it already had), and its size when known.</summary>
/// <param name="File">The file's path in the repository.</param>
/// <param name="Received">Bytes on disk for this file.</param>
/// <param name="Total">The file's size, from the hub's announcement or the response.</param>
/// <param name="Retry">Set when a transfer failed and is about to be tried again: what went wrong.</param>
public sealed record HubDownloadProgress(string File, long Received, long? Total, string? Retry = null);
