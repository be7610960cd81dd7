using Wrenn.Agent.Metrics;

namespace Wrenn.Agent.Tests.Metrics;

public sealed class CpuUsageTests
{
    private static readonly DateTimeOffset Then = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Is_cpu_time_over_wall_time_and_vcpus()
    {
        // 5 s of CPU in 5 s on 2 vcpus: one of two busy.
        var pct = CpuUsage.Percent(TimeSpan.FromSeconds(10), Then, TimeSpan.FromSeconds(15), Then.AddSeconds(5), vcpus: 2);

        Assert.Equal(50, pct);
    }

    [Fact]
    public void Rounds_to_two_places()
    {
        var pct = CpuUsage.Percent(TimeSpan.Zero, Then, TimeSpan.FromSeconds(1), Then.AddSeconds(3), vcpus: 1);

        Assert.Equal(33.33, pct);
    }

    [Fact]
    public void Is_zero_when_the_counter_went_back_or_no_time_passed()
    {
        Assert.Equal(0, CpuUsage.Percent(TimeSpan.FromSeconds(9), Then, TimeSpan.FromSeconds(1), Then.AddSeconds(5), vcpus: 1));
        Assert.Equal(0, CpuUsage.Percent(TimeSpan.Zero, Then, TimeSpan.FromSeconds(1), Then, vcpus: 1));
    }

    [Fact]
    public void Since_a_reading_measures_from_it_and_without_one_from_the_start()
    {
        var previous = new MetricsSample(Then, 80, TimeSpan.FromSeconds(40), 1, 0, 0, 0);

        // 1 s of CPU in the 10 s since the reading, on 1 vcpu.
        Assert.Equal(10, CpuUsage.Since(previous, Then.AddSeconds(-100), TimeSpan.FromSeconds(41), Then.AddSeconds(10), vcpus: 1));

        // No reading, or a counter that started again after a resume: since the sandbox started.
        Assert.Equal(25, CpuUsage.Since(null, Then, TimeSpan.FromSeconds(5), Then.AddSeconds(10), vcpus: 2));
        Assert.Equal(50, CpuUsage.Since(previous, Then, TimeSpan.FromSeconds(5), Then.AddSeconds(10), vcpus: 1));

        // Moments after a reading, its share stands.
        Assert.Equal(80, CpuUsage.Since(previous, Then.AddSeconds(-100), TimeSpan.FromSeconds(40.1), Then.AddMilliseconds(200), vcpus: 1));
    }

    [Fact]
    public void Never_exceeds_one_hundred()
    {
        Assert.Equal(100, CpuUsage.Percent(TimeSpan.Zero, Then, TimeSpan.FromSeconds(20), Then.AddSeconds(5), vcpus: 2));
    }
}
