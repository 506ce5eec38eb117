using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using ProtSt.Grains;
using ProtSt.Grains.Security;
using ProtSt.Model.Tests.Support;
using ProtSt.Silo.Api;
using ProtSt.Silo.Security;

namespace ProtSt.Silo.Tests;

/// <summary>The API key on a host listening beyond loopback, none on a loopback host, and job ids checked before they reach a grain.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class HostSecurityTests(SiloHostFixture loopback, ExposedSiloHostFixture exposed) : IClassFixture<ExposedSiloHostFixture>
{
    private const string Key = ExposedSiloHostFixture.ApiKey;

    [Theory]
    [InlineData("/")]
    [InlineData("/jobs/some-job")]
    [InlineData("/view/job.js")]
    [InlineData("/api/jobs")]
    [InlineData("/api/jobs/some-job")]
    [InlineData("/api/jobs/some-job/events")]
    [InlineData("/metrics")]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/")]
    public async Task An_exposed_host_refuses_every_page_without_the_key(string path)
    {
        using var http = exposed.Client();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains(SecurityOptions.ApiKeyName, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/jobs")]
    [InlineData("/metrics")]
    [InlineData("/dashboard/")]
    public async Task An_exposed_host_serves_callers_presenting_the_key_in_a_header(string path)
    {
        using var http = exposed.Client();
        using var bearer = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);
        using var header = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { ApiKeyGate.HeaderName, Key } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(header)).StatusCode);
    }

    [Fact]
    public async Task The_health_probe_needs_no_key()
    {
        using var http = exposed.Client();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_browser_opening_a_page_with_the_key_gets_a_cookie_that_serves_the_event_stream_and_the_dashboard()
    {
        var cookies = new CookieContainer();
        using var http = exposed.Client(cookies);
        using var first = await http.GetAsync(new Uri($"/?key={Key}&tab=jobs", UriKind.Relative));

        // The key leaves the address at once: it would otherwise sit in the history and go out in Referer headers.
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/?tab=jobs", first.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"{ApiKeyGate.CookieName}=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/?tab=jobs", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/dashboard/", UriKind.Relative))).StatusCode);

        // The job page's event stream, as EventSource opens it: no headers of its own, only the cookie.
        var jobId = $"cookie-{Guid.NewGuid():N}";
        var job = exposed.Grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        await job.StartAsync(new JobStart("model", "input", 3));
        await job.RecordShardAsync(0, 3, 0, [], []);
        await job.CompleteAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stream = await http.GetStreamAsync(new Uri($"/api/jobs/{jobId}/events", UriKind.Relative), timeout.Token);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            events.Add(item);
        }

        Assert.Equal(JobApiEndpoints.DoneEvent, Assert.Single(events).EventType);
    }

    [Theory]
    [InlineData("Key")]
    [InlineData("KEY")]
    public async Task The_key_in_any_case_leaves_the_address_in_one_redirect(string name)
    {
        using var http = exposed.Client();
        using var response = await http.GetAsync(new Uri($"/?{name}={Key}&tab=jobs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/?tab=jobs", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_health_probe_answers_head()
    {
        using var http = exposed.Client();
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task A_job_outside_the_data_roots_is_refused_at_submit_and_creates_nothing()
    {
        using var http = exposed.Client();
        http.DefaultRequestHeaders.Add(ApiKeyGate.HeaderName, Key);
        Directory.CreateDirectory(exposed.DataRoot);
        var model = Model.Demo.DemoModel.Ensure(Path.Combine(exposed.ModelRoot, "cache"));
        var inside = Path.Combine(exposed.DataRoot, $"in-{Guid.NewGuid():N}.fasta");
        await File.WriteAllTextAsync(inside, ">a\nMKV\n");
        using var outsideScratch = new TempDirectory();
        var outsideInput = outsideScratch.Write("in.fasta", ">a\nMKV\n");

        // An output outside, one leading out through '..', one through a symlink inside the root: each refused, none created.
        var escape = Path.Combine(exposed.DataRoot, $"link-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(escape, outsideScratch.Path);
        foreach (var (input, output, field) in new[]
        {
            (inside, outsideScratch.Combine("out"), "output"),
            (inside, Path.Combine(exposed.DataRoot, "..", "..", Path.GetFileName(outsideScratch.Path), "out2"), "output"),
            (inside, Path.Combine(escape, "out3"), "output"),
            (outsideInput, Path.Combine(exposed.DataRoot, "out4"), "input"),
        })
        {
            using var response = await http.PostAsJsonAsync("/api/jobs", new { input, output, model });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
            Assert.Contains($"the job's {field} '", body, StringComparison.Ordinal);
            Assert.Contains("is outside every folder of Security:DataRoots", body, StringComparison.Ordinal);
        }

        Assert.Equal(["in.fasta"], Directory.EnumerateFileSystemEntries(outsideScratch.Path).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.False(Directory.Exists(Path.Combine(exposed.DataRoot, "out4")));
    }

    [Fact]
    public async Task The_key_redirect_stays_on_this_host()
    {
        using var http = exposed.Client();
        using var response = await http.GetAsync(new Uri($"{exposed.Address.GetLeftPart(UriPartial.Authority)}//evil.example/?key={Key}"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_wrong_key_of_the_same_length_is_refused_however_it_is_presented()
    {
        var wrong = new string('x', Key.Length);
        using var http = exposed.Client();
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", wrong) } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(bearer)).StatusCode);
        using var header = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { { ApiKeyGate.HeaderName, wrong } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(header)).StatusCode);
        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { { "Cookie", $"{ApiKeyGate.CookieName}={wrong}" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(cookie)).StatusCode);

        using var query = await http.GetAsync(new Uri($"/?key={wrong}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, query.StatusCode);
        Assert.False(query.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/jobs")]
    [InlineData("/metrics")]
    [InlineData("/dashboard/")]
    public async Task A_loopback_host_needs_no_key(string path)
    {
        using var response = await loopback.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void A_host_beyond_loopback_does_not_start_without_a_key_model_roots_or_data_roots()
    {
        var noKey = Assert.Throws<InvalidOperationException>(() => SiloHost.Build(new SiloHostOptions { Node = new SiloNodeOptions { Urls = "http://0.0.0.0:0" } }));
        Assert.Contains("set Security:ApiKey (environment PROTST_Security__ApiKey)", noKey.Message, StringComparison.Ordinal);

        var noRoots = Assert.Throws<InvalidOperationException>(() =>
            SiloHost.Build(new SiloHostOptions { Node = new SiloNodeOptions { Urls = "http://+:0" }, Security = new SecurityOptions { ApiKey = Key } }));
        Assert.Contains("set Security:ModelRoots", noRoots.Message, StringComparison.Ordinal);

        var noDataRoots = Assert.Throws<InvalidOperationException>(() => SiloHost.Build(new SiloHostOptions
        {
            Node = new SiloNodeOptions { Urls = "http://+:0" },
            Security = new SecurityOptions { ApiKey = Key, ModelRoots = [Path.GetTempPath()] },
        }));
        Assert.Contains("set Security:DataRoots (environment PROTST_Security__DataRoots__0)", noDataRoots.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("change-me", "it is a placeholder (it contains 'change-me')")]
    [InlineData("CHANGE-ME-BEFORE-DEPLOYING-THIS-CLUSTER-0123", "it is a placeholder (it contains 'change-me')")]
    [InlineData("<your api key, at least 32 characters>", "it contains whitespace")]
    [InlineData("k", "it has 1 characters, fewer than 32")]
    [InlineData("0123456789abcdef0123456789abcde", "it has 31 characters, fewer than 32")]
    [InlineData("abababababababababababababababababababab", "it repeats fewer than 8 different characters")]
    [InlineData("0123456789abcdef0123456789abcdef\n", "it contains whitespace or control characters")]
    public void A_host_beyond_loopback_does_not_start_with_a_weak_key(string key, string reason)
    {
        key = key.Replace("\\n", "\n", StringComparison.Ordinal);
        var refused = Assert.Throws<InvalidOperationException>(() => SiloHost.Build(new SiloHostOptions
        {
            Node = new SiloNodeOptions { Urls = "http://0.0.0.0:0" },
            Security = new SecurityOptions { ApiKey = key, ModelRoots = [Path.GetTempPath()] },
        }));
        Assert.Contains($"its Security:ApiKey is refused: {reason}", refused.Message, StringComparison.Ordinal);
        if (key.Length >= ApiKeyRule.MinimumLength)
        {
            // A key long enough to be someone's real secret is not echoed into logs (short ones are the placeholder word itself).
            Assert.DoesNotContain(key, refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_host_beyond_loopback_starts_with_a_random_key()
    {
        await using var app = SiloHost.Build(new SiloHostOptions
        {
            Node = new SiloNodeOptions { Urls = "http://0.0.0.0:0" },
            Security = new SecurityOptions { ApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), ModelRoots = [Path.GetTempPath()], DataRoots = [Path.GetTempPath()] },
        });
        Assert.NotNull(app);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", false)]
    [InlineData("http://localhost:5000", false)]
    [InlineData("http://[::1]:0", false)]
    [InlineData("http://127.0.0.1:0;http://localhost:5001", false)]
    [InlineData("http://0.0.0.0:0", true)]
    [InlineData("http://[::]:8080", true)]
    [InlineData("http://*:8080", true)]
    [InlineData("http://+:8080", true)]
    [InlineData("http://10.1.2.3:8080", true)]
    [InlineData("http://silo-0.protst:8080", true)]
    [InlineData("http://127.0.0.1:0;http://0.0.0.0:8080", true)]
    public void Urls_are_loopback_only_when_every_one_is(string urls, bool beyond) =>
        Assert.Equal(beyond, ListenScope.BeyondLoopback(urls));

    [Theory]
    [InlineData("/api/jobs/a%20b")]
    [InlineData("/api/jobs/a%3Cscript%3E")]
    [InlineData("/api/jobs/a%27b/events")]
    [InlineData("/jobs/a%22b")]
    public async Task Job_ids_with_other_characters_are_bad_requests(string path)
    {
        using var response = await loopback.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Job_ids_longer_than_the_limit_are_bad_requests()
    {
        var limit = new SecurityOptions().MaxIdLength;
        Assert.Equal(HttpStatusCode.NotFound, (await loopback.Http.GetAsync(new Uri($"/api/jobs/{new string('j', limit)}", UriKind.Relative))).StatusCode);
        using var response = await loopback.Http.GetAsync(new Uri($"/api/jobs/{new string('j', limit + 1)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Security:MaxIdLength", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
