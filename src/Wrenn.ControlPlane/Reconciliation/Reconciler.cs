using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// Every few seconds, on the one replica that leads, brings the database in line with the hosts: a
/// host silent for too many heartbeats becomes <c>unreachable</c> and its sandboxes <c>error</c>; a
/// sandbox a host paused on its own (inactivity) becomes <c>paused</c>; one that is <c>running</c>
/// or <c>paused</c> in the database but gone from its host becomes <c>stopped</c>; a running sandbox
/// past its end time is killed, or paused when it was made with auto-pause (<see cref="SandboxEndTimes"/>).
/// </summary>
public sealed class Reconciler(
    IServiceScopeFactory scopes,
    IAgentGateway gateway,
    ILeadership leadership,
    HostLiveness liveness,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<Reconciler> logger) : BackgroundService
{
    private static readonly string[] Settled = [SandboxStates.Running, SandboxStates.Paused];
    private static readonly string[] Stranded = [SandboxStates.Starting, SandboxStates.Running, SandboxStates.Pausing, SandboxStates.Paused, SandboxStates.Resuming];

    /// <summary>One pass, when this replica leads; returns whether it did anything.</summary>
    public async Task<bool> ReconcileAsync(CancellationToken cancellationToken)
    {
        if (!await leadership.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        await MarkSilentHostsAsync(db, cancellationToken).ConfigureAwait(false);
        var hosts = await liveness.Alive(db).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            // What the host lists is as of this moment: a sandbox started (created or resumed) after it
            // cannot be in the list, and must not be taken for one that vanished.
            var listedAt = clock.GetUtcNow().UtcDateTime;
            var answer = await gateway.ListSandboxesAsync(host, cancellationToken).ConfigureAwait(false);
            if (!answer.Succeeded)
            {
                logger.LogWarning("Host {HostId} at {Address} did not list its sandboxes: {Message}", host.Id, host.Address, answer.Error.Message);
                continue;
            }

            var listed = answer.Value;
            var onHost = listed.Sandboxes.ToDictionary(s => s.SandboxId, StringComparer.Ordinal);
            var autoPaused = listed.AutoPausedSandboxIds.ToHashSet(StringComparer.Ordinal);
            var known = await db.Sandboxes.Where(s => s.HostId == host.Id && Settled.Contains(s.State)).ToListAsync(cancellationToken).ConfigureAwait(false);
            var changed = new List<string>();
            foreach (var sandbox in known)
            {
                if (!onHost.TryGetValue(sandbox.Id, out var info))
                {
                    if ((sandbox.StartedAt ?? sandbox.CreatedAt) >= listedAt)
                    {
                        continue;
                    }

                    logger.LogWarning("Sandbox {SandboxId} is {State} in the database but gone from host {HostId}; now stopped", sandbox.Id, sandbox.State, host.Id);
                    sandbox.State = SandboxStates.Stopped;
                    sandbox.StoppedAt = clock.GetUtcNow().UtcDateTime;
                    changed.Add(sandbox.Id);
                }
                else if (sandbox.State == SandboxStates.Running && autoPaused.Contains(sandbox.Id) && info.State == Agent.SandboxState.Paused)
                {
                    logger.LogInformation("Sandbox {SandboxId} was paused by its host for inactivity", sandbox.Id);
                    sandbox.State = SandboxStates.Paused;
                    changed.Add(sandbox.Id);
                }
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            var listeners = scope.ServiceProvider.GetServices<ISandboxStateListener>();
            foreach (var id in changed)
            {
                listeners.StateChanged(id);
            }
        }

        await scope.ServiceProvider.GetRequiredService<SandboxEndTimes>().EnforceAsync(clock.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task MarkSilentHostsAsync(WrennDbContext db, CancellationToken cancellationToken)
    {
        var since = liveness.SilentSince;
        var silent = await db.Hosts.Where(h => h.State == HostEntity.ReadyState && (h.LastSeenAt == null || h.LastSeenAt < since)).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var host in silent)
        {
            host.State = HostEntity.UnreachableState;
            var stranded = await db.Sandboxes.Where(s => s.HostId == host.Id && Stranded.Contains(s.State)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var sandbox in stranded)
            {
                sandbox.State = SandboxStates.Error;
            }

            logger.LogWarning("Host {HostId} silent for {Silence}; unreachable, {Count} sandbox(es) in error", host.Id, liveness.Silence, stranded.Count);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
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
