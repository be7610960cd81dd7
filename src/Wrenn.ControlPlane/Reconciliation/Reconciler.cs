using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// Every few seconds, brings the database in line with what the hosts say: a sandbox a host paused on
/// its own (inactivity) becomes <c>paused</c>; one that is <c>running</c> or <c>paused</c> in the
/// database but gone from its host becomes <c>stopped</c>.
/// </summary>
public sealed class Reconciler(
    IServiceScopeFactory scopes,
    AgentClientPool agents,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<Reconciler> logger) : BackgroundService
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Settled = [SandboxStates.Running, SandboxStates.Paused];

    /// <summary>One pass over every ready host.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var hosts = await db.Hosts.Where(h => h.State == HostEntity.ReadyState).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            Agent.ListSandboxesResponse listed;
            try
            {
                listed = await agents.For(host.Address).ListSandboxesAsync(new Agent.ListSandboxesRequest(), deadline: DateTime.UtcNow + ListTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                logger.LogDebug("Host {HostId} did not list its sandboxes: {Status}", host.Id, ex.Status);
                continue;
            }

            var onHost = listed.Sandboxes.ToDictionary(s => s.SandboxId, StringComparer.Ordinal);
            var autoPaused = listed.AutoPausedSandboxIds.ToHashSet(StringComparer.Ordinal);
            var known = await db.Sandboxes.Where(s => s.HostId == host.Id && Settled.Contains(s.State)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var sandbox in known)
            {
                if (!onHost.TryGetValue(sandbox.Id, out var info))
                {
                    logger.LogWarning("Sandbox {SandboxId} is {State} in the database but gone from host {HostId}; now stopped", sandbox.Id, sandbox.State, host.Id);
                    sandbox.State = SandboxStates.Stopped;
                    sandbox.StoppedAt = clock.GetUtcNow().UtcDateTime;
                }
                else if (sandbox.State == SandboxStates.Running && autoPaused.Contains(sandbox.Id) && info.State == Agent.SandboxState.Paused)
                {
                    logger.LogInformation("Sandbox {SandboxId} was paused by its host for inactivity", sandbox.Id);
                    sandbox.State = SandboxStates.Paused;
                }
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Reconciliation pass failed");
            }
        }
    }
}
