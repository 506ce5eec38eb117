using System.Globalization;
using Microsoft.Playwright;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using Xunit.Abstractions;

namespace ProtSt.Silo.Tests;

/// <summary>The job page in a real headless browser while a job runs.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class JobViewBrowserTests(SiloHostFixture fixture, ITestOutputHelper output)
{
    [BrowserFact]
    public async Task Job_page_shows_progress_and_throughput_moving_and_ends_on_the_final_figures()
    {
        // Records arrive in bursts, so the job lasts several seconds on any machine: long enough to see it move.
        var records = SyntheticProteome.Records(480, seed: 4);
        var jobId = $"browser-{Guid.NewGuid():N}";
        var job = fixture.RunJobAsync(
            jobId,
            SyntheticProteome.PacedAsync(records, burst: 16, pause: TimeSpan.FromMilliseconds(300)),
            new ScreenOptions { ShardSize = 16, MaxShardsInFlight = 2 });

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

        // The aggregator may not have heard of the job yet when the page first asks; reload until it has.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await page.GotoAsync(new Uri(fixture.Address, $"/jobs/{jobId}").ToString());
        while (await Value(page, "state") is not ("running" or "completed"))
        {
            await Task.Delay(200, deadline.Token);
            if (await Value(page, "state") == "unknown")
            {
                await page.ReloadAsync();
            }
        }

        var rowsSeen = new HashSet<string>(StringComparer.Ordinal);
        var ratesSeen = new HashSet<string>(StringComparer.Ordinal);
        var runningShot = false;
        while (await Value(page, "state") == "running")
        {
            var rows = await Value(page, "rows");
            var rate = await Value(page, "sequences-per-second");
            rowsSeen.Add(rows);
            ratesSeen.Add(rate);
            if (!runningShot && long.TryParse(rows, CultureInfo.InvariantCulture, out var n) && n >= records.Count / 3)
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "job-view-running.png"), FullPage = true });
                runningShot = true;
            }

            await Task.Delay(150, deadline.Token);
        }

        var final = await job;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "job-view-completed.png"), FullPage = true });
        output.WriteLine($"screenshots in {screenshots}; while running the page showed rows {string.Join(", ", rowsSeen)}");

        Assert.True(rowsSeen.Count >= 2, $"progress never moved on the page: {string.Join(", ", rowsSeen)}");
        Assert.True(ratesSeen.Count >= 2, $"throughput never moved on the page: {string.Join(", ", ratesSeen)}");
        Assert.True(runningShot, "no screenshot of the running job was taken");

        Assert.Equal("completed", await Value(page, "state"));
        Assert.Equal(records.Count, final.Rows);
        Assert.Equal(final.Rows, long.Parse(await Value(page, "rows"), CultureInfo.InvariantCulture));
        Assert.Equal(final.Progress, Number(await Value(page, "progress")));
        Assert.Equal(final.SequencesComputed, long.Parse(await Value(page, "sequences"), CultureInfo.InvariantCulture));
        Assert.Equal(final.SequencesPerSecond, Number(await Value(page, "sequences-per-second")));
        Assert.Equal(final.ResiduesPerSecond, Number(await Value(page, "residues-per-second")));
        Assert.Equal(final.Elapsed.TotalSeconds, Number(await Value(page, "elapsed")));
        Assert.Equal(final.PaddingEfficiency, Number(await Value(page, "padding-efficiency")));
        Assert.Equal(final.QueuedBatches, long.Parse(await Value(page, "queue-depth"), CultureInfo.InvariantCulture));

        // The chart was drawn by Chart.js from the aggregator's series, one point per bucket.
        var plotted = await page.EvaluateAsync<int>("() => Chart.getChart('throughput-chart').data.datasets[0].data.length");
        Assert.Equal(final.Throughput!.Count, plotted);
        Assert.Equal(final.Devices.Count, await page.Locator("#devices tr").CountAsync());
        Assert.Equal(final.Silos!.Count, await page.Locator("#silos tr").CountAsync());
    }

    [BrowserFact]
    public async Task Job_list_links_the_job_and_its_page_shows_the_confusion_matrix()
    {
        // A labelled job fed directly, as the classifying tasks feed the aggregator.
        var jobId = $"labelled-{Guid.NewGuid():N}";
        var job = fixture.Grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        await job.StartAsync(new JobStart(fixture.ModelDirectory, "labelled-input", 7, ["membrane", "soluble"]));
        await job.RecordShardAsync(0, 7, 0, [0, 0, 1, 1, 1, 0, 1], [0, 1, 1, 1, 0, 0, 1]);
        await job.CompleteAsync();
        var final = await job.GetSnapshotAsync();

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(fixture.Address.ToString());
        var link = page.Locator($"#jobs a[href='/jobs/{jobId}']");
        await link.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await link.ClickAsync();

        await page.Locator("#state[data-value='completed']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal(final.Classification!.Accuracy, Number(await Value(page, "accuracy")));
        var cells = await page.Locator("#confusion tbody tr").EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.textContent))");
        Assert.Equal(final.Classification.ConfusionMatrix.Select(r => r.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray()).ToArray(), cells);
        Assert.Equal(final.Classification.ClassNames, await page.Locator("#confusion thead th").AllTextContentsAsync());
    }

    private static async Task<string> Value(IPage page, string id) => await page.Locator($"#{id}").GetAttributeAsync("data-value") ?? string.Empty;

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
