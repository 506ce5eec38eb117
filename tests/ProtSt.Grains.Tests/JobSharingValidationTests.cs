using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Security;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Tests;

/// <summary>The silos' call filter bounds a job's priority and device limit wherever a request carries them.</summary>
public sealed class JobSharingValidationTests
{
    private readonly CallValidator _validator = new(Options.Create(new SecurityOptions()), new ModelCatalog());

    [Fact]
    public void A_priority_or_device_limit_out_of_bounds_is_refused_and_an_older_clients_zero_priority_is_not()
    {
        var batch = new DeviceBatch("job", "/models/m", [0, 5, 2], [1, 1, 1], 1, 3, Weight: 1001);
        var refused = Assert.Throws<RequestRefusedException>(() => _validator.Validate(batch));
        Assert.Equal("the job's priority must be between 1 and 1000 (got 1001).", refused.Message);
        _validator.Validate(batch with { Weight = 0 });
        _validator.Validate(batch with { Weight = 1000 });

        var spec = new JobSpec("screen", "/in.fasta", "/out", "/models/m", null, null, false, LabelSet.DefaultTemplate, true, false, OutputLayout.Assembled, 256, 4096, 256, 8, 2, MaxDevices: -1);
        Assert.Equal(
            "the job's device limit must be between 1 and 100000, or 0 for every device (got -1).",
            Assert.Throws<RequestRefusedException>(() => _validator.Validate(spec)).Message);
        Assert.Throws<RequestRefusedException>(() => _validator.Validate(spec with { MaxDevices = 0, Priority = -1 }));
        _validator.Validate(spec with { MaxDevices = 3 });

        var part = new PartRequest("job", 0, "/plan/shard-000000.records", "/out/parts", "/models/m", 4096, 256, null, null, null, false, false, 256, Priority: 5000);
        Assert.Throws<RequestRefusedException>(() => _validator.Validate(part));
        Assert.Throws<RequestRefusedException>(() => _validator.Validate(part with { Priority = 1, MaxDevices = 100_001 }));
        _validator.Validate(part with { Priority = 0 });
    }
}
