using ProtSt.Grains.Jobs;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Tests;

/// <summary>A silo whose results, online-panel or batching options make no sense is refused at start, in one line naming the option.</summary>
public sealed class HostOptionsTests
{
    public static TheoryData<string, SiloHostOptions> Refused => new()
    {
        { "Screen:MapSketchRank must be at least 1 (got 0)", new SiloHostOptions { Screen = new ScreenOptions { MapSketchRank = 0 } } },
        { "Screen:MapSketchRank must be at least 1 (got -3)", new SiloHostOptions { Screen = new ScreenOptions { MapSketchRank = -3 } } },
        { "Monitoring:MapPcaRows must be at least 1 (got 0)", new SiloHostOptions { Monitoring = new MonitoringOptions { MapPcaRows = 0 } } },
        { "Monitoring:MapPoints must be at least 1 (got -1)", new SiloHostOptions { Monitoring = new MonitoringOptions { MapPoints = -1 } } },
        { "Monitoring:MaxResultsPage must be at least 1 (got 0)", new SiloHostOptions { Monitoring = new MonitoringOptions { MaxResultsPage = 0 } } },
        { "Monitoring:ResultsCachedJobs must be at least 1 (got 0)", new SiloHostOptions { Monitoring = new MonitoringOptions { ResultsCachedJobs = 0 } } },
        { "Monitoring:MapRefreshInterval must not be negative", new SiloHostOptions { Monitoring = new MonitoringOptions { MapRefreshInterval = TimeSpan.FromSeconds(-1) } } },
        { "Monitoring:OnlineLoadWindow must be positive", new SiloHostOptions { Monitoring = new MonitoringOptions { OnlineLoadWindow = TimeSpan.Zero } } },
        { "Screen:MaxPaddingFraction must be between 0 and 1 (got 1.5)", new SiloHostOptions { Screen = new ScreenOptions { MaxPaddingFraction = 1.5 } } },
        { "Screen:StateRowGroupValues must be at least 1 (got 0)", new SiloHostOptions { Screen = new ScreenOptions { StateRowGroupValues = 0 } } },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_results_option_that_makes_no_sense_is_refused_at_start_naming_it(string expected, SiloHostOptions options)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => SiloHost.Build(options));
        Assert.StartsWith(expected, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }
}
