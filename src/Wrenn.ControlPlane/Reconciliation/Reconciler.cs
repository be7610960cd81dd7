using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// Every few seconds, on the one replica that leads, brings the database in line with the hosts: a
/// host silent for too many heartbeats becomes <c>unreachable</c> and its sandboxes <c>lost</c>
/// (<see cref="HostFailures"/>); each answering host's list is compared with the database, which
/// brings lost sandboxes back, stops vanished ones, notes inactivity pauses and destroys on the host
/// what the control plane no longer wants, and settles creates stuck <c>starting</c> (<see cref="HostSandboxSync"/>); a running sandbox past its
/// end time is killed, or paused when it was made with auto-pause (<see cref="SandboxEndTimes"/>).
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
    /// <summary>One pass, when this replica leads; returns whether it did anything.</summary>
    public async Task<bool> ReconcileAsync(CancellationToken cancellationToken)
    {
        if (!await leadership.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var listeners = scope.ServiceProvider.GetServices<ISandboxStateListener>().ToList();
        var lost = await new HostFailures(db, liveness, logger).MarkAsync(cancellationToken).ConfigureAwait(false);
        Notify(listeners, lost);

        var moveStaleBefore = SandboxMover.StaleBefore(options.Value, clock.GetUtcNow().UtcDateTime);
        await new StaleMoves(db, logger).ReleaseAsync(moveStaleBefore, cancellationToken).ConfigureAwait(false);
        var sync = new HostSandboxSync(db, gateway, options.Value.StartingGrace, moveStaleBefore, clock, logger);
        var hosts = await liveness.Answering(db).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            if (await sync.SyncAsync(host, cancellationToken).ConfigureAwait(false) is { } changed)
            {
                Notify(listeners, changed);
            }
        }

        await scope.ServiceProvider.GetRequiredService<SandboxEndTimes>().EnforceAsync(clock.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void Notify(IEnumerable<ISandboxStateListener> listeners, IReadOnlyList<string> ids)
    {
        foreach (var id in ids)
        {
            listeners.StateChanged(id);
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
                logger.PassFailed(ex);
            }
        }
    }
}
