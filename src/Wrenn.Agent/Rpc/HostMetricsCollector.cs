using System.Globalization;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Sandboxes;
using GetHostMetricsResponse = Wrenn.Common.HostAgent.V1.GetHostMetricsResponse;
using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Rpc;

/// <summary>Totals for the host: what its live sandboxes were given and use now, and what the machine has left.</summary>
public sealed class HostMetricsCollector(SandboxManager manager, IOptions<AgentOptions> options, ILogger<HostMetricsCollector> logger)
{
    public async Task<GetHostMetricsResponse> CollectAsync(CancellationToken cancellationToken)
    {
        var totals = new GetHostMetricsResponse { HostCpus = (uint)Environment.ProcessorCount };
        foreach (var sandbox in manager.List())
        {
            switch (sandbox.State)
            {
                case SandboxState.Running:
                    totals.SandboxesRunning++;
                    break;
                case SandboxState.Paused:
                    totals.SandboxesPaused++;
                    break;
                default:
                    continue;
            }

            totals.VcpusAllocated += sandbox.Spec.Vcpus;
            totals.MemoryAllocatedBytes += (ulong)sandbox.Spec.MemoryMb * 1024 * 1024;
            using var scope = logger.BeginSandboxScope(sandbox.Id);
            try
            {
                var (usage, disk) = await manager.GetUsageAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
                totals.MemoryUsedBytes += (ulong)Math.Max(0, usage.MemoryUsedBytes);
                totals.DiskUsedBytes += (ulong)Math.Max(0, disk);
            }
            catch (Exception ex) when (ex is SandboxNotFoundException or IOException or UnauthorizedAccessException or CommandFailedException)
            {
                // Destroyed (or being destroyed) while we counted: it no longer uses anything.
                logger.NoUsage(ex, sandbox.Id);
            }
        }

        totals.HostLoad1M = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                totals.HostMemoryTotalBytes = KibLine(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                totals.HostMemoryAvailableBytes = KibLine(line);
            }
        }

        if (Directory.Exists(options.Value.WrennDir))
        {
            var drive = new DriveInfo(options.Value.WrennDir);
            totals.HostDiskTotalBytes = (ulong)drive.TotalSize;
            totals.HostDiskFreeBytes = (ulong)drive.AvailableFreeSpace;
        }

        return totals;
    }

    private static ulong KibLine(string line) =>
        ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
