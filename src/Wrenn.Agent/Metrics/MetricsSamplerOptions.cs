namespace Wrenn.Agent.Metrics;

/// <summary>How often the agent reads each running sandbox's usage and how long it keeps the readings.</summary>
public sealed class MetricsSamplerOptions
{
    /// <summary>Seconds between readings ($WRENN_AGENT_METRICS_INTERVAL, default 5).</summary>
    public int IntervalSeconds { get; set; } = 5;

    /// <summary>Every reading is kept this long.</summary>
    public TimeSpan FineSpan { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>One reading a minute is kept this long.</summary>
    public TimeSpan CoarseSpan { get; set; } = TimeSpan.FromHours(24);
}
