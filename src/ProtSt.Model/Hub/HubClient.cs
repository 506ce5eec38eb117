using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ProtSt.Model.Hub;

/// <summary>
/// Downloads from the Hugging Face hub: a model repository's converter inputs (config.json, one weights layout,
/// vocab.txt when present) or every data file of a dataset repository. Every file is verified (size, and SHA-256 for
/// LFS files or the git blob hash for others) before it replaces anything, and files already present and verified are
/// not fetched again. Made for slow lines: transfers resume from the partial file with HTTP Range, 5xx answers,
/// timeouts and cut connections are retried with exponential backoff, a renamed repository's redirect is followed, and
/// redirects are followed by hand so the token goes to the hub's own host and never to a storage host.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const int MaxRedirects = 5;
    private const string PartialSuffix = ".part";

    private readonly HttpClient _http;
    private readonly HubOptions _options;
    private readonly Uri _endpoint;

    public HubClient(HubOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts < 1 || options.RetryDelay < TimeSpan.Zero || options.StallTimeout <= TimeSpan.Zero || options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"Hub options: MaxAttempts ({options.MaxAttempts}) must be at least 1, RetryDelay ({options.RetryDelay}) not negative, and Timeout ({options.Timeout}) and StallTimeout ({options.StallTimeout}) positive.",
                nameof(options));
        }

        _options = options;
        _endpoint = new Uri(options.Endpoint.TrimEnd('/') + "/");
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = options.Timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("protst", "1"));
    }

    /// <summary>Downloads a model repository's converter inputs into <paramref name="directory"/>.</summary>
    public async Task<HubDownloadResult> DownloadAsync(
        string repository, string revision, string directory, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var (current, files) = await ListFilesAsync(HubRepositoryKind.Model, repository, revision, cancellationToken);

        // The esm package's ESM C repositories (biohub/esmc-*-2024-12) hold a state dict under data/weights and no
        // config.json; the converter reads their shape from the tensors.
        var stateDicts = files.Where(f => f.StartsWith("data/weights/", StringComparison.Ordinal) && f.EndsWith(".pth", StringComparison.Ordinal)).ToList();
        var hasConfig = files.Contains("config.json");
        if (!hasConfig && !files.Contains("model.safetensors") && stateDicts.Count != 1)
        {
            throw new HubException($"{current}@{revision} has no config.json and no esm-package state dict (data/weights/*.pth); it is not a Transformers or ESM C model repository.");
        }

        var wanted = hasConfig ? new List<string> { "config.json" } : [];
        Directory.CreateDirectory(directory);
        if (!hasConfig && !files.Contains("model.safetensors"))
        {
            wanted.Add(stateDicts[0]);
        }
        else if (files.Contains("model.safetensors"))
        {
            wanted.Add("model.safetensors");
        }
        else if (files.Contains("model.safetensors.index.json"))
        {
            // The index names the shards, so it comes first; the loop below finds it verified and skips it.
            await DownloadFileAsync(HubRepositoryKind.Model, current, revision, "model.safetensors.index.json", directory, progress, cancellationToken);
            wanted.Add("model.safetensors.index.json");
            wanted.AddRange(ShardsOf(Path.Combine(directory, "model.safetensors.index.json"), files));
        }
        else if (files.Contains("pytorch_model.bin"))
        {
            wanted.Add("pytorch_model.bin");
        }
        else
        {
            throw new HubException($"{current}@{revision} has none of model.safetensors, model.safetensors.index.json or pytorch_model.bin.");
        }

        if (files.Contains("vocab.txt"))
        {
            wanted.Add("vocab.txt");
        }

        foreach (var file in wanted)
        {
            await DownloadFileAsync(HubRepositoryKind.Model, current, revision, file, directory, progress, cancellationToken);
        }

        return new HubDownloadResult(current, wanted);
    }

    /// <summary>
    /// Downloads every file of a dataset repository into <paramref name="directory"/>, keeping its folders; only git's
    /// own files (<c>.gitattributes</c> and other dot-files) are left out.
    /// </summary>
    public async Task<HubDownloadResult> DownloadDatasetAsync(
        string repository, string revision, string directory, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var (current, files) = await ListFilesAsync(HubRepositoryKind.Dataset, repository, revision, cancellationToken);
        var wanted = files.Where(f => !f.Split('/').Any(s => s.StartsWith('.'))).Order(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            throw new HubException($"The dataset {current}@{revision} has no files.");
        }

        Directory.CreateDirectory(directory);
        foreach (var file in wanted)
        {
            await DownloadFileAsync(HubRepositoryKind.Dataset, current, revision, file, directory, progress, cancellationToken);
        }

        return new HubDownloadResult(current, wanted);
    }

    public void Dispose() => _http.Dispose();

    private async Task<(string Repository, HashSet<string> Files)> ListFilesAsync(
        HubRepositoryKind kind, string repository, string revision, CancellationToken cancellationToken)
    {
        CheckNames(kind, repository, revision);
        var url = new Uri(_endpoint, $"api/{ApiSegment(kind)}/{repository}/revision/{Uri.EscapeDataString(revision)}");
        using var response = await SendAsync(HttpMethod.Get, url, followRedirect: _ => true, cancellationToken);
        var final = response.RequestMessage?.RequestUri ?? url;
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new HubException(
                $"{repository}@{revision} was not found at {_options.Endpoint} ({(int)response.StatusCode}); check the name and revision, and set HF_TOKEN for gated or private {(kind == HubRepositoryKind.Model ? "models" : "datasets")}.");
        }

        await EnsureSuccessAsync(response, url);
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (!json.RootElement.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
        {
            throw new HubException($"{url} did not list the repository's files.");
        }

        // A renamed repository answers under its old name with a redirect to the new one; later requests use the new name.
        var current = RenamedRepository(kind, final) ?? repository;
        CheckNames(kind, current, revision);
        var files = siblings.EnumerateArray()
            .Select(s => s.TryGetProperty("rfilename", out var name) ? name.GetString() : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        foreach (var file in files)
        {
            CheckFileName(current, file);
        }

        return (current, files);
    }

    private static string? RenamedRepository(HubRepositoryKind kind, Uri final)
    {
        var match = ApiPathPattern().Match(final.AbsolutePath);
        return match.Success && match.Groups["kind"].Value == ApiSegment(kind) ? Uri.UnescapeDataString(match.Groups["repo"].Value) : null;
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
        HubRepositoryKind kind, string repository, string revision, string file, string directory, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var prefix = kind == HubRepositoryKind.Dataset ? "datasets/" : string.Empty;
        var url = new Uri(_endpoint, $"{prefix}{repository}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");
        var target = Path.Combine(directory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        // The hub's own answer carries the file's identity (LFS SHA-256 or git blob SHA-1) and size; a redirect to the
        // storage host is where it stops, since the storage host's answer does not.
        FileIdentity expected;
        using (var head = await SendAsync(HttpMethod.Head, url, r => IsHub(r) && !r.Headers.Contains("X-Linked-Etag"), cancellationToken))
        {
            if (head.StatusCode == HttpStatusCode.NotFound)
            {
                throw new HubException($"{url}: not found.");
            }

            if (!head.IsSuccessStatusCode && !IsRedirect(head.StatusCode))
            {
                await EnsureSuccessAsync(head, url);
            }

            expected = ExpectedIdentity(head);
        }

        if (File.Exists(target) && Verify(target, expected) is null)
        {
            progress?.Report(new HubDownloadProgress(file, new FileInfo(target).Length, new FileInfo(target).Length));
            return;
        }

        var partial = target + PartialSuffix;
        var restartedAfterMismatch = false;
        for (var attempt = 1; ; attempt++)
        {
            var resumedFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (expected.Size is { } announced && resumedFrom > announced)
            {
                File.Delete(partial);
                resumedFrom = 0;
            }

            string? failure = null;
            if (expected.Size is not { } size || resumedFrom < size)
            {
                failure = await TransferAsync(url, file, partial, resumedFrom, expected.Size, progress, cancellationToken);
            }

            if (failure is not null)
            {
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                if (attempt >= _options.MaxAttempts)
                {
                    throw new HubException(
                        $"{repository}/{file}: {failure}, {attempt} times; run the command again to {(kept > 0 ? $"resume from the {kept} bytes received" : "retry")}.");
                }

                progress?.Report(new HubDownloadProgress(file, kept, expected.Size, failure));
                await Task.Delay(Backoff(attempt), cancellationToken);
                continue;
            }

            if (Verify(partial, expected) is not { } problem)
            {
                break;
            }

            File.Delete(partial);

            // A partial file left by an earlier run may belong to an older version of the file: start over once.
            if (resumedFrom > 0 && !restartedAfterMismatch)
            {
                restartedAfterMismatch = true;
                continue;
            }

            throw new HubException($"{repository}/{file}: {problem}; the download was discarded.");
        }

        File.Move(partial, target, overwrite: true);
    }

    /// <summary>One try at the rest of a file, appended to <paramref name="partial"/>; returns why it failed when it may be retried.</summary>
    private async Task<string?> TransferAsync(
        Uri url, string file, string partial, long resumedFrom, long? announced, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendOnceAsync(HttpMethod.Get, url, _ => true, resumedFrom, cancellationToken);
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            return Describe(e);
        }

        using (response)
        {
            if (IsRetryable(response.StatusCode))
            {
                return $"HTTP {(int)response.StatusCode}";
            }

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The partial file is no prefix of what is served now: start it over.
                File.Delete(partial);
                return "the server refused to resume (HTTP 416)";
            }

            await EnsureSuccessAsync(response, url);

            // A 206 continues the partial file from where it ends; a 200 (a server that ignores Range) starts it over.
            var append = resumedFrom > 0 && response.StatusCode == HttpStatusCode.PartialContent
                && response.Content.Headers.ContentRange?.From == resumedFrom;
            var received = append ? resumedFrom : 0;
            var total = announced ?? (response.Content.Headers.ContentLength is { } length ? received + length : null);
            progress?.Report(new HubDownloadProgress(file, received, total));
            // Only the network side's failures are retried; a local write error (a full disk) is reported as it is.
            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var destination = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
            var buffer = new byte[1 << 20];
            while (true)
            {
                int read;
                try
                {
                    // A stalled transfer is cut after StallTimeout without a byte, and resumed like a broken one.
                    using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    stall.CancelAfter(_options.StallTimeout);
                    read = await source.ReadAsync(buffer, stall.Token);
                }
                catch (Exception e) when (IsTransient(e, cancellationToken))
                {
                    return $"the transfer broke off after {received} bytes ({Describe(e)})";
                }

                if (read == 0)
                {
                    break;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
                progress?.Report(new HubDownloadProgress(file, received, total));
            }

            return announced is { } size && received < size ? $"the transfer ended after {received} of {size} bytes" : null;
        }
    }

    private static FileIdentity ExpectedIdentity(HttpResponseMessage head)
    {
        static string? Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim().TrimStart('W', '/').Trim('"') : null;

        // A redirect's own Content-Length is that of its (empty) body, not the file's.
        var size = long.TryParse(Header(head, "X-Linked-Size"), out var linked) ? linked
            : head.IsSuccessStatusCode ? head.Content.Headers.ContentLength : null;
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

    /// <summary>A request retried with backoff on 5xx, timeouts and connection failures; see <see cref="SendOnceAsync"/> for redirects.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, Func<HttpResponseMessage, bool> followRedirect, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await SendOnceAsync(method, url, followRedirect, null, cancellationToken);
                if (!IsRetryable(response.StatusCode) || attempt >= _options.MaxAttempts)
                {
                    return response;
                }

                response.Dispose();
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt >= _options.MaxAttempts)
                {
                    throw new HubException($"{url}: {Describe(e)}, {attempt} times (is the hub reachable from here? HF_ENDPOINT selects a mirror).", e);
                }
            }

            await Task.Delay(Backoff(attempt), cancellationToken);
        }
    }

    /// <summary>
    /// One request with redirects followed by hand while <paramref name="followRedirect"/> says so. The token goes only
    /// to the hub's own scheme, host and port: a pre-signed storage URL needs none, and must not learn it.
    /// </summary>
    private async Task<HttpResponseMessage> SendOnceAsync(
        HttpMethod method, Uri url, Func<HttpResponseMessage, bool> followRedirect, long? rangeFrom, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            if (_options.Token is { Length: > 0 } token && IsHub(current))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (rangeFrom is > 0 and var from)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }

            var response = await _http.SendAsync(
                request, method == HttpMethod.Get && rangeFrom is not null ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location || !followRedirect(response))
            {
                return response;
            }

            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new HubException($"{url}: more than {MaxRedirects} redirects.");
            }

            current = location.IsAbsoluteUri ? location : new Uri(current, location);
            response.Dispose();
        }
    }

    private bool IsHub(Uri url) =>
        url.Scheme == _endpoint.Scheme && string.Equals(url.Host, _endpoint.Host, StringComparison.OrdinalIgnoreCase) && url.Port == _endpoint.Port;

    private bool IsHub(HttpResponseMessage response) => response.RequestMessage?.RequestUri is { } uri && IsHub(uri) &&
        (response.Headers.Location is not { } location || !location.IsAbsoluteUri || IsHub(location));

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks * (1L << Math.Min(attempt - 1, 20))));

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsRetryable(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout;

    // Timeouts surface as cancellations of a token that is not the caller's; connection failures and cut bodies as
    // HttpRequestException or IOException.
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception e) => e is OperationCanceledException ? "timed out" : e.Message;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, Uri url)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new HubException($"{url}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}");
        }
    }

    private static void CheckNames(HubRepositoryKind kind, string repository, string revision)
    {
        if (!RepositoryPattern().IsMatch(repository) || repository.Contains("..", StringComparison.Ordinal))
        {
            throw new HubException($"'{repository}' is not a {(kind == HubRepositoryKind.Model ? "model" : "dataset")} repository id (expected 'owner/name').");
        }

        if (!RevisionPattern().IsMatch(revision))
        {
            throw new HubException($"'{revision}' is not a valid revision.");
        }
    }

    // A file list comes from the network: a name must stay inside the output folder.
    private static void CheckFileName(string repository, string file)
    {
        var segments = file.Split('/');
        if (file.Length == 0 || Path.IsPathRooted(file) || file.Contains('\\', StringComparison.Ordinal)
            || segments.Any(s => s.Length == 0 || s == "." || s == ".." || s.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0))
        {
            throw new HubException($"{repository} lists a file named '{file}', which is not a relative path inside the repository; nothing was downloaded.");
        }
    }

    private static string ApiSegment(HubRepositoryKind kind) => kind == HubRepositoryKind.Model ? "models" : "datasets";

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigit);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$")]
    private static partial Regex RevisionPattern();

    [GeneratedRegex(@"/api/(?<kind>models|datasets)/(?<repo>[^/]+/[^/]+)/revision/")]
    private static partial Regex ApiPathPattern();

    private sealed record FileIdentity(long? Size, string? Sha256, string? GitSha1);
}
