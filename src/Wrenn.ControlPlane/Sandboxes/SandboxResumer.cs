using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Resumes a paused sandbox (for a caller, or for the waker) and moves end times. A resume that names no
/// lifetime gives the sandbox its last lifetime again, so a sandbox with an end time that was paused at
/// it does not come back already past it.
/// </summary>
public sealed class SandboxResumer(WrennDbContext db, IAgentGateway gateway, IAuditLog audit, TimeProvider clock, IEnumerable<ISandboxStateListener> listeners, ISandboxMover mover, Telemetry.RequestSteps steps)
{
    /// <param name="onlyExtend">E2B connect: the end time may move later, never earlier.</param>
    public async Task<SandboxResult<SandboxDetails>> ResumeAsync(
        SandboxEntity sandbox,
        HostEntity host,
        int? inactivityTimeoutSec,
        TimeSpan? lifetime,
        bool onlyExtend,
        SandboxCaller? caller,
        CancellationToken cancellationToken)
    {
        if (sandbox.State != SandboxStates.Paused)
        {
            return SandboxError.Conflict($"sandbox {sandbox.Id} is {sandbox.State}, not paused");
        }

        // A sandbox on a draining host moves first and resumes where it went (docs/scheduling.md).
        var placed = await mover.PrepareResumeAsync(sandbox, host, cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            return placed.Error;
        }

        host = placed.Value;
        var timeoutSec = inactivityTimeoutSec ?? sandbox.TimeoutSec;
        steps.Mark("lookup");
        var resumed = await gateway.ResumeSandboxAsync(host, sandbox.Id, timeoutSec, cancellationToken).ConfigureAwait(false);
        steps.Mark("agent");
        if (!resumed.Succeeded)
        {
            return resumed.Error;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        sandbox.State = SandboxStates.Running;
        sandbox.TimeoutSec = timeoutSec;
        sandbox.StartedAt = now;
        sandbox.LastActiveAt = now;
        SandboxAgentInfo.Apply(sandbox, resumed.Value.Sandbox);
        if (lifetime is not null)
        {
            SetEnd(sandbox, lifetime, onlyExtend, now);
        }
        else if (sandbox.LifetimeSec is { } last && (sandbox.EndAt is null || sandbox.EndAt <= now))
        {
            sandbox.EndAt = now.AddSeconds(last);
        }

        // The new state and its audit entry in one commit, only if the row still names this host and says
        // paused: a drain's move that began before this resume reached the host may have exported the
        // sandbox, switched the row to another host and destroyed this host's copy meanwhile (the move's
        // switch needs the row paused, so one of the two always loses).
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var stillHere = await db.Sandboxes
                .Where(s => s.Id == sandbox.Id && s.HostId == host.Id && s.State == SandboxStates.Paused)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.State, SandboxStates.Running), CancellationToken.None)
                .ConfigureAwait(false);
            if (stillHere == 0)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                await db.Entry(sandbox).ReloadAsync(CancellationToken.None).ConfigureAwait(false);
                return SandboxError.Conflict($"sandbox {sandbox.Id} moved to host {sandbox.HostId} while it was resumed on host {host.Id}; it is {sandbox.State} there: resume it again");
            }

            // No savepoint around this save (EF makes one by default inside a transaction): a failed save rolls
            // the whole transaction back anyway, and the savepoint costs two more statements on every resume.
            var savepoints = db.Database.AutoSavepointsEnabled;
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                await audit.SaveWithAsync(
                    db,
                    new AuditEntry(AuditActions.SandboxResumed, sandbox.TeamId, caller?.UserId, caller?.ApiKeyId, sandbox.Id, caller?.RemoteAddress, caller is null ? "resumed on use (auto-resume, or E2B connect)" : null),
                    CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                db.Database.AutoSavepointsEnabled = savepoints;
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        steps.Mark("save");
        listeners.StateChanged(sandbox.Id);
        return SandboxViews.ToDetails(sandbox);
    }

    /// <summary>Moves the end time of a running sandbox to now + lifetime, only later when <paramref name="onlyExtend"/>.</summary>
    public async Task<SandboxDetails> ExtendEndAsync(SandboxEntity sandbox, TimeSpan? lifetime)
    {
        if (lifetime is not null)
        {
            SetEnd(sandbox, lifetime, onlyExtend: true, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return SandboxViews.ToDetails(sandbox);
    }

    /// <summary>Sets the end time to now + <paramref name="lifetime"/> (null: no end time) and remembers the lifetime.</summary>
    public static void SetEnd(SandboxEntity sandbox, TimeSpan? lifetime, bool onlyExtend, DateTime now)
    {
        if (lifetime is not { } value)
        {
            sandbox.EndAt = null;
            sandbox.LifetimeSec = null;
            return;
        }

        var end = now + value;
        if (onlyExtend && sandbox.EndAt is { } current && current >= end)
        {
            return;
        }

        if (onlyExtend && sandbox.EndAt is null && sandbox.LifetimeSec is null)
        {
            // No end time is later than any: connect never shortens a sandbox's life.
            return;
        }

        sandbox.EndAt = end;
        sandbox.LifetimeSec = (int)Math.Ceiling(value.TotalSeconds);
    }
}
