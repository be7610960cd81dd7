using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.HostAgent.V1;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Asks every host agent, every few seconds, whether it is alive (ListSandboxes), and records its state
/// and specs. The scheduler only places sandboxes on hosts this marked ready.
/// </summary>
public sealed class HostMonitor(
    IServiceScopeFactory scopes,
    AgentClientPool agents,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<HostMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Probes every host once and saves what it learned; returns how many are ready.</summary>
    public async Task<int> CheckAllAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var hosts = await db.Hosts.ToListAsync(cancellationToken).ConfigureAwait(false);
        var ready = 0;
        foreach (var host in hosts)
        {
            var info = await ProbeAsync(host, cancellationToken).ConfigureAwait(false);
            var newState = info is null ? HostEntity.UnreachableState : HostEntity.ReadyState;
            if (newState != host.State)
            {
                logger.LogInformation("Host {HostId} ({Address}) is now {State}", host.Id, host.Address, newState);
            }

            host.State = newState;
            if (info is not null)
            {
                ready++;
                host.LastSeenAt = clock.GetUtcNow().UtcDateTime;
                host.Runtime = info.Runtime;
                host.Arch = info.Arch;
                host.Cpus = (int)info.Cpus;
                host.MemoryMb = (long)info.MemoryMb;
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return ready;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HostCheckInterval, clock);
        do
        {
            try
            {
                await CheckAllAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Host check failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<HostInfo?> ProbeAsync(HostEntity host, CancellationToken cancellationToken)
    {
        try
        {
            var response = await agents.For(host.Address)
                .ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow + ProbeTimeout, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return response.Host;
        }
        catch (RpcException ex)
        {
            logger.LogDebug("Host {HostId} did not answer: {Status}", host.Id, ex.Status);
            return null;
        }
    }
}
