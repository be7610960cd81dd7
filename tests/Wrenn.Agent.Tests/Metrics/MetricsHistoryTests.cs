using Wrenn.Agent.Metrics;

namespace Wrenn.Agent.Tests.Metrics;

public sealed class MetricsHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static MetricsSample At(TimeSpan offset, double pct = 10, long memory = 100) =>
        new(Start + offset, pct, offset, 2, memory, 1000, 5);

    [Fact]
    public void Keeps_every_reading_within_the_fine_span_oldest_first()
    {
        var history = new MetricsHistory(TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));
        for (var i = 0; i < 12; i++)
        {
            history.Add(At(TimeSpan.FromSeconds(5 * i)));
        }

        var samples = history.Query(null, null);

        Assert.Equal(12, samples.Count);
        Assert.Equal(Start, samples[0].Timestamp);
        Assert.Equal(Start + TimeSpan.FromSeconds(55), samples[^1].Timestamp);
        Assert.Equal(samples[^1], history.Latest);
    }

    [Fact]
    public void Older_readings_become_one_averaged_sample_per_minute()
    {
        var history = new MetricsHistory(TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));

        // 30 minutes at 5 s; CPU 10 % in even minutes and 30 % in odd ones.
        for (var i = 0; i < 30 * 12; i++)
        {
            var offset = TimeSpan.FromSeconds(5 * i);
            history.Add(At(offset, pct: offset.Minutes % 2 == 0 ? 10 : 30, memory: 100 + i % 12));
        }

        var samples = history.Query(null, null);
        var fine = samples.Where(s => s.Timestamp >= Start + TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(5)).ToList();
        var coarse = samples.Except(fine).ToList();

        // The last 10 minutes at full rate (121 readings: both ends inclusive), before that one a minute.
        Assert.Equal(121, fine.Count);
        Assert.Equal(19, coarse.Count);
        Assert.All(coarse, s => Assert.Equal(55, s.Timestamp.Second));
        Assert.Equal(10, coarse[0].CpuUsedPct);
        Assert.Equal(30, coarse[1].CpuUsedPct);
        Assert.Equal(105, coarse[0].MemoryUsedBytes);
        Assert.Equal(samples.OrderBy(s => s.Timestamp), samples);
    }

    [Fact]
    public void Drops_per_minute_samples_past_the_coarse_span()
    {
        var history = new MetricsHistory(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));
        for (var i = 0; i < 120; i++)
        {
            history.Add(At(TimeSpan.FromSeconds(30 * i)));
        }

        var samples = history.Query(null, null);

        Assert.True(samples[0].Timestamp >= samples[^1].Timestamp - TimeSpan.FromMinutes(30));
        Assert.InRange(samples.Count, 30, 33);
    }

    [Fact]
    public void Query_returns_only_readings_between_start_and_end()
    {
        var history = new MetricsHistory(TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));
        for (var i = 0; i < 12; i++)
        {
            history.Add(At(TimeSpan.FromSeconds(5 * i)));
        }

        var samples = history.Query(Start + TimeSpan.FromSeconds(10), Start + TimeSpan.FromSeconds(20));

        Assert.Equal([10, 15, 20], samples.Select(s => (int)(s.Timestamp - Start).TotalSeconds));
    }

    [Fact]
    public void Ignores_a_reading_not_newer_than_the_last()
    {
        var history = new MetricsHistory(TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));
        history.Add(At(TimeSpan.FromSeconds(10)));
        history.Add(At(TimeSpan.FromSeconds(5)));

        Assert.Single(history.Query(null, null));
    }
}
