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

        var pct = CpuUsage.Since(store.Latest(sandbox.Id), sandbox.StartedAt, usage.CpuTime, now, vcpus);
        return new MetricsSample(now, pct, usage.CpuTime, vcpus, usage.MemoryUsedBytes, usage.MemoryLimitBytes, disk);
    }
}
