using ProtSt.Grains.Inference;

namespace ProtSt.Grains.Tests;

/// <summary>The device's fair queue: shares by padded tokens and weight, no banked credit, FIFO within a job.</summary>
public sealed class DeviceSchedulerTests
{
    private sealed record Batch(string Job, int Number, long Cost);

    [Fact]
    public void Two_backlogged_jobs_of_equal_weight_share_the_device_by_cost()
    {
        var served = Backlogged(DeviceScheduling.Fair, ("a", 1, _ => 4096), ("b", 1, _ => 4096));
        Assert.InRange(Share(served, "a"), 0.45, 0.55);
    }

    [Fact]
    public void Weights_three_to_one_give_three_quarters_of_the_cost_to_the_heavier_job()
    {
        var served = Backlogged(DeviceScheduling.Fair, ("a", 3, _ => 2048), ("b", 1, _ => 2048));
        Assert.InRange(Share(served, "a"), 0.675, 0.825);
    }

    [Fact]
    public void Varying_batch_costs_share_by_cost_not_by_count()
    {
        // Job a sends batches from 256 to 4,096 padded tokens, job b 8× smaller ones than a's largest: by count b would get far more.
        var random = new Random(7);
        var served = Backlogged(DeviceScheduling.Fair, ("a", 1, _ => random.Next(256, 4097)), ("b", 1, _ => 512));
        Assert.InRange(Share(served, "a"), 0.45, 0.55);
        Assert.True(served.Count(b => b.Job == "b") > 2 * served.Count(b => b.Job == "a"), "b's batches are smaller, so it is served more often");
    }

    [Fact]
    public void A_job_arriving_late_is_served_next_and_the_old_job_banks_no_credit()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fair);
        for (var i = 0; i < 200; i++)
        {
            scheduler.Enqueue("big", 1, 4096, new Batch("big", i, 4096));
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.True(scheduler.TryDequeue(out _));
        }

        for (var i = 0; i < 20; i++)
        {
            scheduler.Enqueue("small", 1, 4096, new Batch("small", i, 4096));
        }

        var next = Drain(scheduler, 20);
        Assert.Equal("small", next[0].Job);

        // From then on they alternate: the big job's head start buys it nothing, and it is not starved either.
        Assert.InRange(next.Count(b => b.Job == "small"), 9, 11);
    }

    [Fact]
    public void A_job_back_from_a_pause_gets_its_share_but_no_burst_for_the_time_it_waited()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fair);
        for (var i = 0; i < 100; i++)
        {
            scheduler.Enqueue("a", 1, 1000, new Batch("a", i, 1000));
        }

        scheduler.Enqueue("b", 1, 1000, new Batch("b", 0, 1000));
        var early = Drain(scheduler, 50);
        Assert.Single(early, b => b.Job == "b");

        // b waited while a ran 49 batches alone; when it is back with work it alternates with a instead of catching up.
        for (var i = 1; i < 30; i++)
        {
            scheduler.Enqueue("b", 1, 1000, new Batch("b", i, 1000));
        }

        var later = Drain(scheduler, 20);
        Assert.InRange(later.Count(b => b.Job == "b"), 9, 11);
    }

    [Fact]
    public void Batches_of_one_job_leave_in_the_order_they_came()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fair);
        var random = new Random(3);
        for (var i = 0; i < 50; i++)
        {
            var job = random.Next(2) == 0 ? "a" : "b";
            var cost = random.Next(100, 5000);
            scheduler.Enqueue(job, job == "a" ? 2 : 1, cost, new Batch(job, i, cost));
        }

        var served = Drain(scheduler, 50);
        Assert.Equal(0, scheduler.Count);
        foreach (var job in new[] { "a", "b" })
        {
            var numbers = served.Where(b => b.Job == job).Select(b => b.Number).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
    }

    [Fact]
    public void Fifo_serves_in_arrival_order_across_jobs()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fifo);
        for (var i = 0; i < 10; i++)
        {
            scheduler.Enqueue("big", 1, 4096, new Batch("big", i, 4096));
        }

        scheduler.Enqueue("small", 1000, 16, new Batch("small", 10, 16));
        Assert.Equal(Enumerable.Range(0, 11), Drain(scheduler, 11).Select(b => b.Number));
    }

    [Fact]
    public void Urgent_items_go_before_waiting_batches_and_a_leaving_device_takes_everything_out()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fair);
        scheduler.Enqueue("a", 1, 100, new Batch("a", 0, 100));
        scheduler.Enqueue("a", 1, 100, new Batch("a", 1, 100));
        scheduler.EnqueueUrgent(new Batch("text", 2, 0));
        Assert.True(scheduler.TryDequeue(out var first));
        Assert.Equal("text", first.Job);

        scheduler.Enqueue("b", 1, 100, new Batch("b", 3, 100));
        Assert.Equal([0, 1, 3], scheduler.TakeAll().Select(b => b.Number));
        Assert.Equal(0, scheduler.Count);
        Assert.False(scheduler.TryDequeue(out _));
    }

    [Fact]
    public void Online_batches_go_before_queued_job_batches_after_urgent_items_and_in_arrival_order()
    {
        var scheduler = new DeviceScheduler<Batch>(DeviceScheduling.Fair);
        for (var i = 0; i < 5; i++)
        {
            scheduler.Enqueue("screen", 1000, 100, new Batch("screen", i, 100));
        }

        // The screen's first batch is on the device (dequeued) when the online requests arrive: it is not interrupted.
        Assert.True(scheduler.TryDequeue(out var running));
        Assert.Equal(("screen", 0), (running.Job, running.Number));
        scheduler.EnqueueOnline(new Batch("online", 10, 100));
        scheduler.EnqueueOnline(new Batch("online", 11, 100));
        scheduler.EnqueueUrgent(new Batch("text", 12, 0));

        Assert.Equal([12, 10, 11, 1, 2, 3, 4], Drain(scheduler, 7).Select(b => b.Number));
        Assert.Equal(0, scheduler.Count);

        scheduler.Enqueue("screen", 1, 100, new Batch("screen", 20, 100));
        scheduler.EnqueueOnline(new Batch("online", 21, 100));
        Assert.Equal([21, 20], scheduler.TakeAll().Select(b => b.Number));
    }

    // Each job keeps four batches waiting (as a shard keeps batches in flight); every served batch is replaced by the
    // job's next one, so both are backlogged throughout.
    private static List<Batch> Backlogged(DeviceScheduling mode, params (string Job, int Weight, Func<int, long> Cost)[] jobs)
    {
        var scheduler = new DeviceScheduler<Batch>(mode);
        var numbers = jobs.ToDictionary(j => j.Job, _ => 0);
        void Add((string Job, int Weight, Func<int, long> Cost) job)
        {
            var number = numbers[job.Job]++;
            var cost = job.Cost(number);
            scheduler.Enqueue(job.Job, job.Weight, cost, new Batch(job.Job, number, cost));
        }

        foreach (var job in jobs)
        {
            for (var i = 0; i < 4; i++)
            {
                Add(job);
            }
        }

        var served = new List<Batch>();
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(scheduler.TryDequeue(out var batch));
            served.Add(batch);
            Add(jobs.Single(j => j.Job == batch.Job));
        }

        return served;
    }

    private static List<Batch> Drain(DeviceScheduler<Batch> scheduler, int count)
    {
        var served = new List<Batch>();
        for (var i = 0; i < count; i++)
        {
            Assert.True(scheduler.TryDequeue(out var batch));
            served.Add(batch);
        }

        return served;
    }

    private static double Share(List<Batch> served, string job) =>
        (double)served.Where(b => b.Job == job).Sum(b => b.Cost) / served.Sum(b => b.Cost);
}
