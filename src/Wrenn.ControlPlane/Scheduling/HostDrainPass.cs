using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// One pass over the draining hosts that answer: each running sandbox there that another host has room
/// for is paused, and each paused one is moved to another host (<see cref="ISandboxMover"/>). One that
/// fits nowhere, or whose pause or move failed, stays where it is (running, or paused), with the reason
/// on its row for the host's drain progress, and is tried again <see cref="RetryAfter"/> later (room
/// may have come back). A host undrained meanwhile is
/// left as it is from its next sandbox on.
/// </summary>
public sealed class HostDrainPass(WrennDbContext db, SandboxPauser pauser, ISandboxMover mover, HostLiveness liveness, TimeProvider clock, ILogger<HostDrainPass> logger)
{
    /// <summary>How long a sandbox whose move failed waits before the next try.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    /// <summary>Empties what it can; returns how many sandboxes moved.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var hosts = await liveness.Answering(db).AsNoTracking().Where(h => h.Draining).Select(h => h.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var moved = 0;
        foreach (var hostId in hosts)
        {
            moved += await EmptyAsync(hostId, cancellationToken).ConfigureAwait(false);
        }

        return moved;
    }

    private async Task<int> EmptyAsync(string hostId, CancellationToken cancellationToken)
    {
        var retryBefore = clock.GetUtcNow().UtcDateTime - RetryAfter;
        var ids = await db.Sandboxes.AsNoTracking()
            .Where(s => s.HostId == hostId && (s.State == SandboxStates.Running || s.State == SandboxStates.Paused) && s.MovingToHostId == null && (s.MoveFailedAt == null || s.MoveFailedAt < retryBefore))
            .OrderBy(s => s.CreatedAt)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var moved = 0;
        foreach (var id in ids)
        {
            // Each sandbox is read fresh: the mover writes rows behind this context's back.
            db.ChangeTracker.Clear();
            var host = await db.Hosts.FirstOrDefaultAsync(h => h.Id == hostId, cancellationToken).ConfigureAwait(false);
            if (host is not { Draining: true })
            {
                break;
            }

            var sandbox = await db.Sandboxes.FirstOrDefaultAsync(s => s.Id == id && s.HostId == hostId, cancellationToken).ConfigureAwait(false);
            if (sandbox is null)
            {
                continue;
            }

            if (sandbox.State == SandboxStates.Running)
            {
                // One that could go nowhere keeps running: pausing it would stop it for nothing.
                if (await mover.CheckTargetAsync(sandbox, cancellationToken).ConfigureAwait(false) is { } nowhere)
                {
                    await NoteFailureAsync(id, nowhere.Message).ConfigureAwait(false);
                    continue;
                }

                var paused = await pauser.PauseAsync(sandbox, host, null, $"its host {hostId} is being drained", cancellationToken).ConfigureAwait(false);
                if (!paused.Succeeded)
                {
                    logger.DrainPauseFailed(hostId, id, paused.Error.Message);
                    await NoteFailureAsync(id, "it could not be paused: " + paused.Error.Message).ConfigureAwait(false);
                    continue;
                }
            }

            if (sandbox.State == SandboxStates.Paused
                && (await mover.MoveAsync(id, $"host {hostId} is being drained", cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                moved++;
            }
        }

        if (ids.Count > 0)
        {
            var left = await db.Sandboxes.CountAsync(s => s.HostId == hostId && HostDraining.Left.Contains(s.State), cancellationToken).ConfigureAwait(false);
            logger.DrainProgress(hostId, moved, left);
        }

        return moved;
    }

    private async Task NoteFailureAsync(string sandboxId, string why)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var message = why.Length > 500 ? why[..500] : why;
        await db.Sandboxes.Where(s => s.Id == sandboxId)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.MoveFailure, message).SetProperty(s => s.MoveFailedAt, now), CancellationToken.None)
            .ConfigureAwait(false);
    }
}
