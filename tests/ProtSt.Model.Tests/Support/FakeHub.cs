using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ProtSt.Model.Tests.Support;

/// <summary>
/// A Hugging Face hub stand-in on 127.0.0.1: the model-info API, <c>resolve</c> URLs that redirect LFS files to a
/// "CDN" path, and the identity headers (X-Linked-Etag/Size for LFS, ETag git blob hash for small files).
/// </summary>
public sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, Dictionary<string, byte[]>> _repositories = [];
    private readonly Task _loop;

    public FakeHub()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    /// <summary>Files served under their name; each is LFS (redirected, SHA-256) if larger than 1 KB.</summary>
    public void AddRepository(string repository, IReadOnlyDictionary<string, byte[]> files) => _repositories[repository] = files.ToDictionary();

    /// <summary>When set, the CDN serves these bytes instead of the real file (a corrupted transfer).</summary>
    public byte[]? CorruptCdnBody { get; set; }

    public int CdnRequests { get; private set; }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        const string Api = "/api/models/";
        if (path.StartsWith(Api, StringComparison.Ordinal))
        {
            var repository = path[Api.Length..path.IndexOf("/revision/", StringComparison.Ordinal)];
            if (!_repositories.TryGetValue(repository, out var listed))
            {
                response.StatusCode = 401;
                return;
            }

            Write(response, context.Request, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = repository, siblings = listed.Keys.Select(k => new { rfilename = k }) })));
            return;
        }

        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            var parts = path["/cdn/".Length..].Split('/', 3);
            CdnRequests++;
            Write(response, context.Request, CorruptCdnBody ?? _repositories[$"{parts[0]}/{parts[1]}"][parts[2]]);
            return;
        }

        var segments = path.Trim('/').Split('/');
        if (segments.Length >= 5 && segments[2] == "resolve" && _repositories.TryGetValue($"{segments[0]}/{segments[1]}", out var files)
            && files.TryGetValue(string.Join('/', segments[4..]), out var bytes))
        {
            var name = string.Join('/', segments[4..]);
            if (bytes.Length > 1024)
            {
                response.StatusCode = 302;
                response.Headers["Location"] = $"/cdn/{segments[0]}/{segments[1]}/{name}";
                response.Headers["X-Linked-Etag"] = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"";
                response.Headers["X-Linked-Size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }

            // Git names blobs by SHA-1; the hub reports that name, so a faithful stand-in must compute it.
#pragma warning disable CA5350
            var blob = SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]);
#pragma warning restore CA5350
            response.Headers["ETag"] = $"\"{Convert.ToHexStringLower(blob)}\"";
            Write(response, context.Request, bytes);
            return;
        }

        response.StatusCode = 404;
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
