using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Silo.Tests;

/// <summary>
/// The job page shows what a job found: for a zero-shot screen label counts, the map, search and the results table, and
/// no accuracy without true labels; with true labels (an eval) the classification panel too; for a classify job its
/// label counts and a labelled map, no accuracy or search; for an embed job the map and rows only.
/// </summary>
[Collection(SharedSiloHost.Name)]
public sealed partial class JobResultsBrowserTests(SiloHostFixture fixture) : IDisposable
{
    private readonly TempDirectory _scratch = new();

    [BrowserFact]
    public async Task A_zero_shot_job_shows_labels_map_search_and_results_and_no_accuracy()
    {
        var (golden, model, input, labels, records) = PostedJobs.ZeroShotScreen(_scratch);
        var (jobId, _) = await PostedJobs.RunAsync(fixture, _scratch, input, model, labels, "assembled");

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        await page.GotoAsync(new Uri(fixture.Address, $"/jobs/{jobId}").ToString());
        var wait = new LocatorWaitForOptions { Timeout = 60_000 };
        await page.Locator("#state[data-value='completed']").WaitForAsync(wait);

        // Labels: one row per label of the job, the counts summing to its rows; no classification panel without true labels.
        await page.Locator($"#labels-total[data-value='{records}']").WaitForAsync(wait);
        Assert.Equal(golden.Prompts[..10], await page.Locator("#label-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.label)"));
        Assert.True(await page.Locator("#classification").IsHiddenAsync(), "an unlabelled job shows the classification panel");

        // The map has one point per protein; the results table its first page; the times are ISO-like UTC.
        await page.Locator($"#map-canvas[data-points='{records}']").WaitForAsync(wait);
        await page.Locator($"#results-range[data-value='{records}']").WaitForAsync(wait);
        Assert.Equal(25, await page.Locator("#results-rows tr").CountAsync());
        Assert.Matches(UtcTime(), await page.Locator("#job-source").TextContentAsync() ?? string.Empty);

        // A label's link lists its proteins by score in the table.
        var first = page.Locator("#label-rows tr").Filter(new LocatorFilterOptions { Has = page.Locator("td[data-value]:not([data-value='0'])") }).First;
        var count = int.Parse((await first.Locator("td[data-value]").GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture);
        await first.Locator("a").ClickAsync();
        await page.Locator($"#results-range[data-value='{count}']").WaitForAsync(wait);

        // The search box answers with the silo's ranking.
        var expected = await fixture.Http.GetFromJsonAsync<List<Hit>>($"/api/jobs/{jobId}/search?q={Uri.EscapeDataString(golden.Prompts[10])}&k=20", fixture.Json);
        await page.Locator("#search-query").FillAsync(golden.Prompts[10]);
        await page.Locator("#search-form button").ClickAsync();
        await page.Locator("#search-results tr").Nth(19).WaitForAsync(wait);
        Assert.Equal(expected!.Select(h => h.Id), await page.Locator("#search-results tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));

        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "job-view-results.png"), FullPage = true });
    }

    [BrowserFact]
    public async Task A_zero_shot_job_with_true_labels_shows_the_classification_panel_beside_its_labels()
    {
        // An eval in the cluster: a tabular input whose label column holds each protein's true class (its label id).
        var (golden, model, _, labels, _) = PostedJobs.ZeroShotScreen(_scratch);
        var records = golden.Proteins.Select((sequence, i) => $"golden{i}\t{sequence}\t{i % 10}").ToList();
        var input = _scratch.Write("eval.tsv", string.Join('\n', ["id\tsequence\tlabel", .. records]) + "\n");
        var jobId = await PostedJobs.EvalAsync(fixture, _scratch, input, model, labels);

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await OpenAsync(browser, jobId);
        await page.Locator("#accuracy:not([data-value=''])").WaitForAsync(Wait);
        Assert.Equal($"{records.Count} labelled records", await page.Locator("#labelled").TextContentAsync());
        Assert.Equal(golden.Prompts[..10], await page.Locator("#confusion thead th").AllTextContentsAsync());
        await page.Locator($"#labels-total[data-value='{records.Count}']").WaitForAsync(Wait);
        await page.Locator($"#map-canvas[data-points='{records.Count}']").WaitForAsync(Wait);
        await page.Locator($"#results-range[data-value='{records.Count}']").WaitForAsync(Wait);
    }

    [BrowserFact]
    public async Task A_classify_job_shows_its_label_counts_and_a_labelled_map_and_no_accuracy_or_search()
    {
        // A ProtST classifier (the protst-cls-tiny golden) on unlabelled proteins, posted as a user would.
        var golden = ProtStGolden.Load("protst-cls-tiny");
        var records = golden.Proteins.Length;
        var input = _scratch.Write("classify.fasta", string.Concat(golden.Proteins.Select((s, i) => $">cls{i}\n{s}\n")));
        var (jobId, _) = await PostedJobs.RunAsync(fixture, _scratch, input, SharedModels.Golden("protst-cls-tiny"), null, "parts", JobTaskResolver.Classify);
        var counts = (await fixture.Http.GetFromJsonAsync<List<LabelCount>>($"/api/jobs/{jobId}/labels", fixture.Json))!;
        Assert.Equal(records, counts.Sum(c => c.Count));

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await OpenAsync(browser, jobId);
        await page.Locator($"#labels-total[data-value='{records}']").WaitForAsync(Wait);
        Assert.Equal(counts.Select(c => c.Label), await page.Locator("#label-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.label)"));
        Assert.Equal(
            counts.Select(c => c.Count.ToString(CultureInfo.InvariantCulture)),
            await page.Locator("#label-rows tr td[data-value]").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.value)"));
        await page.Locator($"#map-canvas[data-points='{records}']").WaitForAsync(Wait);
        var labelled = await page.EvaluateAsync<int>($"async () => (await (await fetch('/api/jobs/{jobId}/map')).json()).filter(p => p.label !== null).length");
        Assert.Equal(records, labelled);
        foreach (var panel in new[] { "#classification", "#search-panel" })
        {
            Assert.True(await page.Locator(panel).IsHiddenAsync(), $"a classify job without true labels shows {panel}");
        }
    }

    [BrowserFact]
    public async Task An_embed_job_shows_its_map_and_rows_and_no_label_or_search_panels()
    {
        const int Records = 6;
        var input = _scratch.Write("embed.fasta", string.Concat(SyntheticProteome.Records(Records, seed: 5).Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var (jobId, _) = await PostedJobs.RunAsync(fixture, _scratch, input, fixture.ModelDirectory, null, "assembled");

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await OpenAsync(browser, jobId);
        await page.Locator($"#map-canvas[data-points='{Records}']").WaitForAsync(Wait);
        await page.Locator($"#results-range[data-value='{Records}']").WaitForAsync(Wait);
        Assert.Equal(Records, await page.Locator("#results-rows tr").CountAsync());
        var columns = (await page.Locator("#results-head th").AllTextContentsAsync()).Select(t => t.TrimEnd(' ', '▲', '▼'));
        Assert.Equal(["#", "id", "length", "truncated"], columns);

        // The map's points carry no label (it draws them in one colour); the page asked the silo for them.
        var labelled = await page.EvaluateAsync<int>($"async () => (await (await fetch('/api/jobs/{jobId}/map')).json()).filter(p => p.label !== null).length");
        Assert.Equal(0, labelled);
        foreach (var panel in new[] { "#labels-panel", "#search-panel", "#classification" })
        {
            Assert.True(await page.Locator(panel).IsHiddenAsync(), $"an embed job shows {panel}");
        }

    }

    public void Dispose() => _scratch.Dispose();

    private static LocatorWaitForOptions Wait { get; } = new() { Timeout = 60_000 };

    // The job's page, once the job shows as completed.
    private async Task<IPage> OpenAsync(IBrowser browser, string jobId)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        await page.GotoAsync(new Uri(fixture.Address, $"/jobs/{jobId}").ToString());
        await page.Locator("#state[data-value='completed']").WaitForAsync(Wait);
        return page;
    }

    [GeneratedRegex(@"started \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC")]
    private static partial Regex UtcTime();

    private sealed record Hit(string Id, float Score);

    private sealed record LabelCount(string Label, int Count);
}
