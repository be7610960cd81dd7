using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Metrics;

/// <summary>Reads one sandbox's usage now, its CPU share measured since the last stored reading.</summary>
public sealed class SandboxMetricsReader(SandboxManager manager, SandboxMetricsStore store, TimeProvider clock)
{
    public async Task<MetricsSample> ReadAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var (usage, disk) = await manager.GetUsageAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var vcpus = sandbox.Spec.Vcpus;

        // Without an earlier reading (first one, or the counter went back after a resume) the share is
        // the average since the sandbox started.
        var previous = store.Latest(sandbox.Id);
        var pct = previous is not null && previous.CpuTime <= usage.CpuTime && previous.Timestamp < now
            ? CpuUsage.Percent(previous.CpuTime, previous.Timestamp, usage.CpuTime, now, vcpus)
            : CpuUsage.Percent(TimeSpan.Zero, sandbox.StartedAt, usage.CpuTime, now, vcpus);
        return new MetricsSample(now, pct, usage.CpuTime, vcpus, usage.MemoryUsedBytes, usage.MemoryLimitBytes, disk);
    }
}
