using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Reading sandboxes (one, a page, metrics) and opening one for work.</summary>
public sealed class SandboxQueries(SandboxLookup lookup, SandboxLister lister, IAgentGateway gateway, SandboxWorkGate gate, TimeProvider clock)
{
    public async Task<SandboxResult<SandboxDetails>> GetAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = await lookup.FindAsync(caller.TeamId, sandboxId, cancellationToken).ConfigureAwait(false);
        return sandbox is null ? SandboxError.SandboxNotFound(sandboxId) : SandboxViews.ToDetails(sandbox);
    }

    public Task<SandboxResult<SandboxPage>> ListAsync(SandboxCaller caller, SandboxListQuery query, CancellationToken cancellationToken) =>
        lister.ListAsync(caller, query, cancellationToken);

    public async Task<SandboxResult<SandboxMetrics>> GetMetricsAsync(SandboxCaller caller, string sandboxId, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken)
    {
        var found = await lookup.FindOnHostAsync(caller.TeamId, sandboxId, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (!found.Succeeded)
        {
            return found.Error;
        }

        var metrics = await gateway.GetSandboxMetricsAsync(found.Value.Host, sandboxId, start, end, cancellationToken).ConfigureAwait(false);
        if (!metrics.Succeeded)
        {
            return metrics.Error;
        }

        var m = metrics.Value;
        return new SandboxMetrics(
            clock.GetUtcNow().UtcDateTime,
            m.CpuUsedPct,
            (int)m.CpuCount,
            (long)m.MemoryUsedBytes,
            (long)m.MemoryLimitBytes,
            (long)m.DiskUsedBytes,
            (long)m.DiskTotalBytes,
            [.. m.Samples.Select(s => new SandboxMetricsSample(
                s.Timestamp.ToDateTime(),
                s.CpuUsedPct,
                (long)s.CpuTimeTotalUs,
                (int)s.CpuCount,
                (long)s.MemoryUsedBytes,
                (long)s.MemoryLimitBytes,
                (long)s.MemoryCacheBytes,
                (long)s.DiskUsedBytes,
                (long)s.DiskTotalBytes))]);
    }

    public Task<SandboxResult<SandboxTarget>> OpenForWorkAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        gate.OpenAsync(caller, sandboxId, cancellationToken);
}
