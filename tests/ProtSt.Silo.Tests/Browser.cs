using Microsoft.Playwright;

namespace ProtSt.Silo.Tests;

/// <summary>The system's headless Chromium, driven by Playwright; Playwright's own browser downloads are never used.</summary>
public static class Browser
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("PROTST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static bool Required => Environment.GetEnvironmentVariable("PROTST_REQUIRE_BROWSER") == "1";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"PROTST_REQUIRE_BROWSER=1 but Chromium is not at {ExecutablePath}: apt-get install chromium.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            return (playwright, await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true }));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
