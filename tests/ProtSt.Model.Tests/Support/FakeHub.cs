using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ProtSt.Model.Tests.Support;

/// <summary>
/// A Hugging Face hub stand-in: the hub on 127.0.0.1 (the model- and dataset-info APIs, <c>resolve</c> URLs with the
/// identity headers: X-Linked-Etag/Size for LFS files, an ETag git blob hash for small ones) and, on 127.0.0.2, the
/// storage host LFS files redirect to, which honours Range. Faults can be injected: 5xx answers, a connection cut
/// mid-file, renamed repositories, a token the hub demands.
/// </summary>
public sealed class FakeHub : IDisposable
{
    private readonly HttpListener _hub = new();
    private readonly HttpListener _storage = new();
    private readonly Dictionary<string, Dictionary<string, byte[]>> _repositories = [];
    private readonly Dictionary<string, string> _renamed = [];
    private readonly List<string?> _storageAuthorizations = [];
    private readonly List<string?> _storageRanges = [];
    private readonly Task[] _loops;

    public FakeHub()
    {
        Endpoint = Start(_hub, IPAddress.Loopback);
        StorageEndpoint = Start(_storage, IPAddress.Parse("127.0.0.2"));
        _loops = [Task.Run(() => ServeAsync(_hub, HandleHub)), Task.Run(() => ServeAsync(_storage, HandleStorage))];
    }

    public string Endpoint { get; }

    /// <summary>The storage host LFS downloads are redirected to: another address, so another host to the client.</summary>
    public string StorageEndpoint { get; }

    /// <summary>When set, the storage host serves these bytes instead of the real file (a corrupted transfer).</summary>
    public byte[]? CorruptCdnBody { get; set; }

    /// <summary>When set, the hub answers 401 to requests without <c>Authorization: Bearer</c> this token.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>How many of the next hub requests (API and resolve) get 503.</summary>
    public int HubFailures { get; set; }

    /// <summary>How many of the next storage downloads get 503.</summary>
    public int StorageFailures { get; set; }

    /// <summary>When set, the next storage download sends this many bytes of the file and then drops the connection.</summary>
    public int? CutStorageAfter { get; set; }

    /// <summary>When set, the next storage download sends this many bytes and then goes silent for <see cref="Silence"/>.</summary>
    public int? StallStorageAfter { get; set; }

    /// <summary>When set, the next hub request waits this long before it answers.</summary>
    public TimeSpan? DelayNextHubAnswer { get; set; }

    /// <summary>How long a stalled transfer stays silent before the connection is dropped.</summary>
    public TimeSpan Silence { get; set; } = TimeSpan.FromSeconds(2);

    public int CdnRequests { get; private set; }

    /// <summary>The Authorization header of every storage request (null when absent).</summary>
    public IReadOnlyList<string?> StorageAuthorizations => _storageAuthorizations;

    /// <summary>The Range header of every storage request (null when absent).</summary>
    public IReadOnlyList<string?> StorageRanges => _storageRanges;

    /// <summary>A model repository; files larger than 1 KB are LFS (redirected to storage, SHA-256).</summary>
    public void AddRepository(string repository, IReadOnlyDictionary<string, byte[]> files) => _repositories[repository] = files.ToDictionary();

    /// <summary>A dataset repository, laid out as <see cref="AddRepository"/>'s.</summary>
    public void AddDataset(string repository, IReadOnlyDictionary<string, byte[]> files) => _repositories["datasets/" + repository] = files.ToDictionary();

    /// <summary>Makes the hub answer requests for <paramref name="oldName"/> with a redirect to <paramref name="newName"/>, as for a renamed repository.</summary>
    public void Rename(string oldName, string newName) => _renamed[oldName] = newName;

    public void Dispose()
    {
        foreach (var listener in new[] { _hub, _storage })
        {
            listener.Stop();
            listener.Close();
        }

        try
        {
            Task.WaitAll(_loops, TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private static string Start(HttpListener listener, IPAddress address)
    {
        var probe = new TcpListener(address, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var endpoint = $"http://{address}:{port}";
        listener.Prefixes.Add(endpoint + "/");
        listener.Start();
        return endpoint;
    }

    private static async Task ServeAsync(HttpListener listener, Action<HttpListenerContext> handle)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                handle(context);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
            {
                // The client went away, or the handler dropped the connection on purpose.
            }
        }
    }

    private void HandleHub(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        if (DelayNextHubAnswer is { } delay)
        {
            DelayNextHubAnswer = null;
            Thread.Sleep(delay);
        }

        if (HubFailures > 0)
        {
            HubFailures--;
            response.StatusCode = 503;
            return;
        }

        if (RequiredToken is { } token && request.Headers["Authorization"] != $"Bearer {token}")
        {
            response.StatusCode = 401;
            return;
        }

        // /api/{models|datasets}/{owner}/{name}/revision/{revision}
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            var parts = path["/api/".Length..].Split('/');
            var (kindPrefix, repository) = (parts[0] == "datasets" ? "datasets/" : string.Empty, $"{parts[1]}/{parts[2]}");
            if (_renamed.TryGetValue(repository, out var newName))
            {
                Redirect(response, 307, $"/api/{parts[0]}/{newName}/{string.Join('/', parts[3..])}");
                return;
            }

            if (!_repositories.TryGetValue(kindPrefix + repository, out var listed))
            {
                response.StatusCode = 401;
                return;
            }

            Write(response, request, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
            {
                id = repository,
                siblings = listed.Keys.Append(".gitattributes").Select(k => new { rfilename = k }),
            })));
            return;
        }

        // [/datasets]/{owner}/{name}/resolve/{revision}/{file...}
        var segments = path.Trim('/').Split('/');
        var dataset = segments[0] == "datasets";
        var rest = dataset ? segments[1..] : segments;
        if (rest.Length >= 5 && rest[2] == "resolve")
        {
            var repository = $"{rest[0]}/{rest[1]}";
            var name = string.Join('/', rest[4..]);
            if (_renamed.TryGetValue(repository, out var newName))
            {
                Redirect(response, 307, $"{(dataset ? "/datasets" : string.Empty)}/{newName}/{string.Join('/', rest[2..])}");
                return;
            }

            if (_repositories.TryGetValue((dataset ? "datasets/" : string.Empty) + repository, out var files) && files.TryGetValue(name, out var bytes))
            {
                if (bytes.Length > 1024)
                {
                    Redirect(response, 302, $"{StorageEndpoint}/{(dataset ? "datasets/" : string.Empty)}{repository}/{name}");
                    response.Headers["X-Linked-Etag"] = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"";
                    response.Headers["X-Linked-Size"] = bytes.Length.ToString(CultureInfo.InvariantCulture);
                    return;
                }

                // Git names blobs by SHA-1; the hub reports that name, so a faithful stand-in must compute it.
#pragma warning disable CA5350
                var blob = SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]);
#pragma warning restore CA5350
                response.Headers["ETag"] = $"\"{Convert.ToHexStringLower(blob)}\"";
                Write(response, request, bytes);
                return;
            }
        }

        response.StatusCode = 404;
    }

    private void HandleStorage(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        CdnRequests++;
        _storageAuthorizations.Add(request.Headers["Authorization"]);
        _storageRanges.Add(request.Headers["Range"]);
        if (StorageFailures > 0)
        {
            StorageFailures--;
            response.StatusCode = 503;
            return;
        }

        var segments = request.Url!.AbsolutePath.Trim('/').Split('/');
        var dataset = segments[0] == "datasets";
        var rest = dataset ? segments[1..] : segments;
        var body = CorruptCdnBody ?? _repositories[(dataset ? "datasets/" : string.Empty) + $"{rest[0]}/{rest[1]}"][string.Join('/', rest[2..])];
        long from = 0;
        if (request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{body.Length - 1}/{body.Length}";
        }

        var remaining = body.AsSpan((int)from);
        if (CutStorageAfter is { } cut)
        {
            CutStorageAfter = null;
            response.ContentLength64 = remaining.Length;
            response.OutputStream.Write(remaining[..cut]);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }

        if (StallStorageAfter is { } stall)
        {
            StallStorageAfter = null;
            response.ContentLength64 = remaining.Length;
            response.OutputStream.Write(remaining[..stall]);
            response.OutputStream.Flush();
            Thread.Sleep(Silence);
            response.Abort();
            return;
        }

        response.ContentLength64 = remaining.Length;
        if (request.HttpMethod != "HEAD")
        {
            response.OutputStream.Write(remaining);
        }
    }

    private static void Redirect(HttpListenerResponse response, int status, string location)
    {
        response.StatusCode = status;
        response.Headers["Location"] = location;
    }

    private static void Write(HttpListenerResponse response, HttpListenerRequest request, byte[] body)
    {
        response.ContentLength64 = body.Length;
        if (request.HttpMethod != "HEAD")
        {
            response.OutputStream.Write(body);
        }
    }
}
