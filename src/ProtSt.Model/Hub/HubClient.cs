using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ProtSt.Model.Hub;

/// <summary>
/// Downloads the files a converter needs from a Hugging Face model repository: config.json, one weights layout, and
/// vocab.txt when present. Every file is verified (size, and SHA-256 for LFS files or the git blob hash for others)
/// before it replaces anything, and files already present and verified are not fetched again.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const int MaxRedirects = 5;

    private readonly HttpClient _http;
    private readonly HubOptions _options;

    public HubClient(HubOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;

        // Redirects are followed by hand: the hub's first response carries the file's hash, the CDN's does not.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = options.Timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("protst", "1"));
        if (options.Token is { Length: > 0 } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>Downloads a repository's model files into <paramref name="directory"/>; returns the files' names.</summary>
    public async Task<IReadOnlyList<string>> DownloadAsync(
        string repository, string revision, string directory, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        if (!RepositoryPattern().IsMatch(repository) || repository.Contains("..", StringComparison.Ordinal))
        {
            throw new HubException($"'{repository}' is not a model repository id (expected 'owner/name').");
        }

        if (!RevisionPattern().IsMatch(revision))
        {
            throw new HubException($"'{revision}' is not a valid revision.");
        }

        var files = await ListFilesAsync(repository, revision, cancellationToken);
        var wanted = new List<string> { "config.json" };
        if (!files.Contains("config.json"))
        {
            throw new HubException($"{repository}@{revision} has no config.json; it is not a Transformers model repository.");
        }

        Directory.CreateDirectory(directory);
        if (files.Contains("model.safetensors"))
        {
            wanted.Add("model.safetensors");
        }
        else if (files.Contains("model.safetensors.index.json"))
        {
            // The index names the shards, so it comes first; the loop below finds it verified and skips it.
            await DownloadFileAsync(repository, revision, "model.safetensors.index.json", directory, progress, cancellationToken);
            wanted.Add("model.safetensors.index.json");
            wanted.AddRange(ShardsOf(Path.Combine(directory, "model.safetensors.index.json"), files));
        }
        else if (files.Contains("pytorch_model.bin"))
        {
            wanted.Add("pytorch_model.bin");
        }
        else
        {
            throw new HubException($"{repository}@{revision} has none of model.safetensors, model.safetensors.index.json or pytorch_model.bin.");
        }

        if (files.Contains("vocab.txt"))
        {
            wanted.Add("vocab.txt");
        }

        foreach (var file in wanted)
        {
            await DownloadFileAsync(repository, revision, file, directory, progress, cancellationToken);
        }

        return wanted;
    }

    public void Dispose() => _http.Dispose();

    private async Task<HashSet<string>> ListFilesAsync(string repository, string revision, CancellationToken cancellationToken)
    {
        var url = $"{_options.Endpoint.TrimEnd('/')}/api/models/{repository}/revision/{Uri.EscapeDataString(revision)}";
        using var response = await SendAsync(HttpMethod.Get, url, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new HubException(
                $"{repository}@{revision} was not found at {_options.Endpoint} ({(int)response.StatusCode}); check the name and revision, and set HF_TOKEN for gated or private models.");
        }

        await EnsureSuccessAsync(response, url);
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (!json.RootElement.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
        {
            throw new HubException($"{url} did not list the repository's files.");
        }

        return siblings.EnumerateArray()
            .Select(s => s.TryGetProperty("rfilename", out var name) ? name.GetString() : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> ShardsOf(string indexPath, HashSet<string> files)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        foreach (var shard in index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct(StringComparer.Ordinal))
        {
            if (!files.Contains(shard) || Path.GetFileName(shard) != shard)
            {
                throw new HubException($"The weight index names shard '{shard}', which the repository does not have as a top-level file.");
            }

            yield return shard;
        }
    }

    private async Task DownloadFileAsync(
        string repository, string revision, string file, string directory, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var url = $"{_options.Endpoint.TrimEnd('/')}/{repository}/resolve/{Uri.EscapeDataString(revision)}/{file}";
        var target = Path.Combine(directory, file);

        // The hub answers the first request with the file's identity (LFS SHA-256 or git blob SHA-1) and size.
        using var head = await SendAsync(HttpMethod.Head, url, cancellationToken);
        if (head.StatusCode == HttpStatusCode.NotFound)
        {
            throw new HubException($"{url}: not found.");
        }

        var expected = ExpectedIdentity(head);
        if (File.Exists(target) && Verify(target, expected) is null)
        {
            progress?.Report(new HubDownloadProgress(file, new FileInfo(target).Length, new FileInfo(target).Length));
            return;
        }

        var partial = target + ".part";
        using (var response = await GetFollowingRedirectsAsync(url, cancellationToken))
        {
            await EnsureSuccessAsync(response, url);
            var total = response.Content.Headers.ContentLength ?? expected.Size;
            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var destination = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
            var buffer = new byte[1 << 20];
            long received = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
                progress?.Report(new HubDownloadProgress(file, received, total));
            }
        }

        if (Verify(partial, expected) is { } problem)
        {
            File.Delete(partial);
            throw new HubException($"{repository}/{file}: {problem}; the download was discarded.");
        }

        File.Move(partial, target, overwrite: true);
    }

    private static FileIdentity ExpectedIdentity(HttpResponseMessage head)
    {
        static string? Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim().TrimStart('W', '/').Trim('"') : null;

        var size = long.TryParse(Header(head, "X-Linked-Size"), out var linked) ? linked : head.Content.Headers.ContentLength;
        var tag = Header(head, "X-Linked-Etag") ?? Header(head, "ETag");
        return new FileIdentity(size, tag is { Length: 64 } && IsHex(tag) ? tag : null, tag is { Length: 40 } && IsHex(tag) ? tag : null);
    }

    private static string? Verify(string path, FileIdentity expected)
    {
        var length = new FileInfo(path).Length;
        if (expected.Size is { } size && size != length)
        {
            return $"received {length} bytes but the hub announced {size}";
        }

        if (expected.Sha256 is { } sha256)
        {
            var actual = Folders.FileHash.Sha256(path);
            return string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase) ? null : $"SHA-256 {actual} does not match the hub's {sha256}";
        }

        if (expected.GitSha1 is { } gitSha1)
        {
            var actual = GitBlobSha1(path);
            return string.Equals(actual, gitSha1, StringComparison.OrdinalIgnoreCase) ? null : $"git blob hash {actual} does not match the hub's {gitSha1}";
        }

        return null;
    }

    private static string GitBlobSha1(string path)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {new FileInfo(path).Length}\0"));
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    private async Task<HttpResponseMessage> GetFollowingRedirectsAsync(string url, CancellationToken cancellationToken)
    {
        var current = new Uri(url);
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, current.ToString(), cancellationToken, HttpCompletionOption.ResponseHeadersRead);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                response.Dispose();
                continue;
            }

            return response;
        }

        throw new HubException($"{url}: more than {MaxRedirects} redirects.");
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string url, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(new HttpRequestMessage(method, url), completion, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HubException($"{url}: {e.Message} (is the hub reachable from here? HF_ENDPOINT selects a mirror).", e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string url)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new HubException($"{url}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
        }
    }

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigit);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$")]
    private static partial Regex RevisionPattern();

    private sealed record FileIdentity(long? Size, string? Sha256, string? GitSha1);
}
