using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>What a silo refuses before doing any work: oversized requests, model folders outside its roots, calls without the cluster's key.</summary>
public sealed class SecurityTests(SecuredClusterFixture fixture) : IClassFixture<SecuredClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Oversized_shard_requests_are_refused_with_the_limit_they_exceed()
    {
        await AssertRefusedAsync(Part() with { ShardSize = 65_537 }, "shard request has 65537 records; the limit is Security:MaxRecordsPerShard = 65536");
        await AssertRefusedAsync(
            Part() with { Scoring = new LabelScoring(new float[4_097], 4_097, 1, 1.0) },
            "label scoring has 4097 labels; the limit is Security:MaxLabels = 4096");
        await AssertRefusedAsync(
            Part() with { Scoring = new LabelScoring(new float[5], 2, 3, 1.0) },
            "label scoring has 5 values, not 2 labels x 3.");
        await AssertRefusedAsync(
            Part() with { MaxTokensPerBatch = 2_000_000 },
            "shard request asks for 2000000 tokens per batch; the limit is Security:MaxTokensPerBatch = 1048576");

        // A submitted job is refused the same before it is planned; the records' own limits apply as the job reads them.
        using var scratch = new TempDirectory();
        var fine = scratch.Write("fine.fasta", ">ok\nMKT\n");
        var job = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            Grains.GetGrain<IJobCoordinatorGrain>("secured-tokens").SubmitAsync(Spec(fine, scratch.Combine("tokens")) with { MaxTokensPerBatch = 2_000_000 }).WaitAsync(Timeout));
        Assert.Equal("job asks for 2000000 tokens per batch; the limit is Security:MaxTokensPerBatch = 1048576", job.Message);
        await AssertJobFailsAsync(
            "secured-titan", scratch.Write("titan.fasta", $">ok\nMKT\n>titan\n{new string('A', 100_001)}\n"), scratch.Combine("titan"),
            "Security:MaxSequenceResidues = 100000");
        await AssertJobFailsAsync(
            "secured-long-id", scratch.Write("long-id.fasta", $">{new string('x', 1_025)}\nMKT\n"), scratch.Combine("long-id"),
            "the id has 1025 characters; the limit is Security:MaxIdLength = 1024");

        var device = await AnyDeviceAsync();
        var prompts = Enumerable.Range(0, 4_097).Select(i => $"label {i}").ToList();
        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            device.EmbedTextAsync(new TextEmbeddingRequest(fixture.InsideModel, prompts)).WaitAsync(Timeout));
        Assert.Equal("text request has 4097 prompts; the limit is Security:MaxLabels = 4096", refused.Message);
    }

    [Fact]
    public async Task Model_folders_outside_the_roots_are_refused_however_they_are_spelled()
    {
        foreach (var path in new[] { fixture.OutsideModel, fixture.DotDotPath, fixture.EscapingLink })
        {
            var message = $"model folder '{path}' is outside every folder of Security:ModelRoots (paths are compared with '..' and symlinks resolved).";
            await AssertRefusedAsync(Part() with { ModelDirectory = path }, message);
            var job = await Assert.ThrowsAsync<RequestRefusedException>(() =>
                Grains.GetGrain<IJobCoordinatorGrain>($"outside/{Guid.NewGuid():N}").SubmitAsync(Spec("/in.fasta", "/out") with { Model = path }).WaitAsync(Timeout));
            Assert.Equal(message, job.Message);
        }

        // Devices check too, so a client cannot skip the shard and name the folder to a device directly.
        var device = await AnyDeviceAsync();
        var batch = new DeviceBatch("direct", fixture.EscapingLink, [0, 5, 2], [1, 1, 1], 1, 3);
        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() => device.RunAsync(batch).WaitAsync(Timeout));
        Assert.StartsWith($"model folder '{fixture.EscapingLink}' is outside every folder", refused.Message, StringComparison.Ordinal);
        var text = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            device.EmbedTextAsync(new TextEmbeddingRequest(fixture.DotDotPath, ["a prompt"])).WaitAsync(Timeout));
        Assert.StartsWith($"model folder '{fixture.DotDotPath}' is outside every folder", text.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Online_encode_requests_are_refused_outside_the_roots_and_over_the_limits()
    {
        var encoder = Grains.GetGrain<IEncoderGrain>(0);
        var outside = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            encoder.EncodeAsync(new EncodeRequest(fixture.EscapingLink, ["MKT"])).WaitAsync(Timeout));
        Assert.StartsWith($"model folder '{fixture.EscapingLink}' is outside every folder", outside.Message, StringComparison.Ordinal);

        var many = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            encoder.EncodeAsync(new EncodeRequest(fixture.InsideModel, [.. Enumerable.Repeat("MKT", 65_537)])).WaitAsync(Timeout));
        Assert.Equal("encode request has 65537 sequences; the limit is Security:MaxRecordsPerShard = 65536", many.Message);
        var titan = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            encoder.EncodeAsync(new EncodeRequest(fixture.InsideModel, ["MKT", new string('A', 100_001)])).WaitAsync(Timeout));
        Assert.Equal("a sequence has 100001 characters; the limit is Security:MaxSequenceResidues = 100000", titan.Message);

        var inside = await encoder.EncodeAsync(new EncodeRequest(fixture.InsideModel, ["MKTAYIAKQR"])).WaitAsync(Timeout);
        Assert.NotNull(Assert.Single(inside.Sequences).Embedding);
    }

    [Fact]
    public async Task Work_inside_the_roots_runs_while_refused_requests_fail_beside_it()
    {
        var records = OwnCluster.Proteome(40, seed: 11);
        var rows = new List<ShardRow>();

        // Through a symlink that stays inside the root: links are followed, not banned.
        var job = new JobDriver(Grains, new ScreenOptions { ShardSize = 8, MaxShardsInFlight = 4 }).RunAsync(
            "secured-job", fixture.InsideLink, records.ToAsyncEnumerable(), row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
        var refusals = Enumerable.Range(0, 6).Select(i => Assert.ThrowsAsync<RequestRefusedException>(() =>
            Grains.GetGrain<IShardGrain>($"refused/{i}").WritePartAsync(Part() with { ModelDirectory = fixture.OutsideModel }).WaitAsync(Timeout)));
        await Task.WhenAll(refusals);
        var snapshot = await job.WaitAsync(Timeout);

        Assert.Equal(records.Count, snapshot.Rows);
        Assert.Equal(records.Select(r => r.Id), rows.Select(r => r.Id));
        var reference = ReferenceEmbeddings.Compute(fixture.InsideModel, records);
        for (var i = 0; i < records.Count; i++)
        {
            ReferenceEmbeddings.AssertClose(reference[i], rows[i].Embedding, records[i].Id);
        }
    }

    [Fact]
    public async Task Calls_without_the_cluster_key_are_refused()
    {
        // The fixture's client stamps the key; the same call answers.
        Assert.NotEmpty(await Grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(Timeout));

        // A wrong key of the same length, set by the caller, is not overwritten by the stamp and is refused.
        RequestContext.Set(ClusterKey.ContextKey, new string('k', SecuredClusterFixture.ApiKey.Length));
        try
        {
            var wrong = await Assert.ThrowsAsync<RequestRefusedException>(() => Grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(Timeout));
            Assert.Contains("requires its API key", wrong.Message, StringComparison.Ordinal);
        }
        finally
        {
            RequestContext.Remove(ClusterKey.ContextKey);
        }

        // A client configured without the key reaches the gateway but not the grains.
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(fixture.Cluster.Primary!.GatewayAddress!.Endpoint)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (fixture.Cluster.Options.ClusterId, fixture.Cluster.Options.ServiceId))
            .AddProtStClient());
        using var host = builder.Build();
        using var connect = new CancellationTokenSource(Timeout);
        await host.StartAsync(connect.Token);
        try
        {
            var keyless = host.Services.GetRequiredService<IClusterClient>();
            var none = await Assert.ThrowsAsync<RequestRefusedException>(() => keyless.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(Timeout));
            Assert.Equal(
                "this cluster requires its API key on every call (Security:ApiKey); configure the client with the same key (PROTST_Security__ApiKey).",
                none.Message);
            await Assert.ThrowsAsync<RequestRefusedException>(() =>
                keyless.GetGrain<IShardGrain>("keyless/0").WritePartAsync(Part()).WaitAsync(Timeout));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private PartRequest Part() =>
        new("secured", 0, "/plan/shard-000000.records", "/out/parts", fixture.InsideModel, 4096, 256, null, null, null, false, false, 256);

    private JobSpec Spec(string input, string output) =>
        new("screen", input, output, fixture.InsideModel, null, null, false, LabelSet.DefaultTemplate, true, false, OutputLayout.Assembled, 256, 4096, 256, 8);

    private async Task<IDeviceGrain> AnyDeviceAsync() =>
        Grains.GetGrain<IDeviceGrain>((await Grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(Timeout))[0]);

    private async Task AssertRefusedAsync(PartRequest request, string message)
    {
        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() =>
            Grains.GetGrain<IShardGrain>($"secured/{Guid.NewGuid():N}").WritePartAsync(request).WaitAsync(Timeout));
        Assert.Equal(message, refused.Message);
    }

    // Failing on invalid records: the job stops at the record over the limit, and says which limit.
    private async Task AssertJobFailsAsync(string jobId, string input, string output, string limit)
    {
        var job = Grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var status = await job.SubmitAsync(Spec(input, output)).WaitAsync(Timeout);
        using var wait = new CancellationTokenSource(Timeout);
        while (!status.Final)
        {
            await Task.Delay(100, wait.Token);
            status = (await job.GetStatusAsync().WaitAsync(Timeout))!;
        }

        Assert.Equal(JobPhase.Failed, status.Phase);
        Assert.Contains(limit, status.Error, StringComparison.Ordinal);
    }
}
