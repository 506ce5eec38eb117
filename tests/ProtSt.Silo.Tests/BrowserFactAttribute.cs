namespace ProtSt.Silo.Tests;

/// <summary>
/// A test that needs Debian's Chromium. Without it the test is skipped, with the reason, unless
/// <c>PROTST_REQUIRE_BROWSER=1</c> (set by .ci/run), in which case it runs and fails saying what is missing.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(Browser.ExecutablePath) && !Browser.Required)
        {
            Skip = $"Chromium is not installed at {Browser.ExecutablePath} (apt-get install chromium, or set PROTST_CHROMIUM); " +
                "CI sets PROTST_REQUIRE_BROWSER=1, which turns this skip into a failure.";
        }
    }
}
